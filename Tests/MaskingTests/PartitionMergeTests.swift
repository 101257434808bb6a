import XCTest
@testable import Masking
@testable import Shards
import Tokenization

/// `prep mask --partition I/N` + `prep merge`: the merged parts are the single run's dataset,
/// byte for byte (shards and manifest), for any N, and parts that do not make up one job are
/// refused without creating the output.
final class PartitionMergeTests: XCTestCase {
    var input = ""
    var scratch = ""

    override func setUpWithError() throws {
        input = DocumentDatasetFixture.temporaryDirectory("partition-input")
        scratch = DocumentDatasetFixture.temporaryDirectory("partition-out")
        try DocumentDatasetFixture.write(DocumentDatasetFixture.documents(300), shards: 3, to: input)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: input)
        try? FileManager.default.removeItem(atPath: scratch)
    }

    private func configuration(
        _ output: String, pairs: SentencePairing, strategy: MaskingStrategy, partition: Partition? = nil
    ) -> MaskingJobConfiguration {
        var c = DocumentDatasetFixture.maskingConfiguration(
            input: input, output: output, pairs: pairs, strategy: strategy, threads: 2)
        c.partition = partition
        return c
    }

    private func files(in dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
        }
        return out
    }

    /// Parts of `count` of one job, in reversed order (merge must not depend on it).
    private func parts(
        _ count: Int, pairs: SentencePairing, strategy: MaskingStrategy, tag: String
    ) throws
        -> [String]
    {
        try (0..<count).reversed().map { i in
            let dir = scratch + "/\(tag)-part\(i)of\(count)"
            _ = try MaskingJob.run(
                configuration(dir, pairs: pairs, strategy: strategy, partition: try Partition(index: i, count: count)))
            return dir
        }
    }

    func testMergedPartsAreTheSingleRunByteForByte() throws {
        for (pairs, strategy) in [(SentencePairing.nsp, MaskingStrategy.wholeWord), (.sop, .span)] {
            let single = scratch + "/single-\(pairs)"
            let summary = try MaskingJob.run(configuration(single, pairs: pairs, strategy: strategy))
            XCTAssertEqual(summary.shards, 9)
            let expected = try files(in: single)
            for n in [1, 2, 3, 7, 11] {  // 11 > 9 units: some parts are empty
                let tag = "\(pairs)-\(n)"
                let merged = scratch + "/merged-\(tag)"
                let result = try DatasetMerge.run(
                    .init(inputs: try parts(n, pairs: pairs, strategy: strategy, tag: tag), output: merged))
                XCTAssertEqual(result.shards, 9)
                XCTAssertEqual(result.records, summary.statistics.instances)
                let got = try files(in: merged)
                XCTAssertEqual(Set(got.keys), Set(expected.keys), tag)
                for (name, data) in expected where name != Dataset.manifestName {
                    XCTAssertEqual(got[name], data, "\(tag): \(name)")
                }
                // The manifest too, but for "input" (part 0's path; here the same).
                XCTAssertEqual(
                    String(data: got[Dataset.manifestName]!, encoding: .utf8),
                    String(data: expected[Dataset.manifestName]!, encoding: .utf8), tag)
            }
        }
    }

    func testAFinishedPartIsKeptAndAnInterruptedOneResumes() throws {
        let dir = scratch + "/part"
        let part = try Partition(index: 1, count: 3)
        var c = configuration(dir, pairs: .nsp, strategy: .wholeWord, partition: part)
        c.interruptAfterShards = 1
        XCTAssertThrowsError(try MaskingJob.run(c))
        c.interruptAfterShards = nil
        let resumed = try MaskingJob.run(c)
        XCTAssertEqual(resumed.shardsReused, 1)
        XCTAssertEqual(resumed.shards, 3)
        let again = try MaskingJob.run(c)
        XCTAssertEqual(again.shardsReused, 3, "a finished part is a no-op")
        // The same directory is not taken for another part.
        XCTAssertThrowsError(
            try MaskingJob.run(
                configuration(dir, pairs: .nsp, strategy: .wholeWord, partition: try Partition(index: 2, count: 3)))
        ) { XCTAssertTrue("\($0)".contains("made with other settings"), "\($0)") }
    }

    func testPartsThatAreNotOneJobAreRefusedAndNoOutputIsLeft() throws {
        let three = try parts(3, pairs: .nsp, strategy: .wholeWord, tag: "ok").reversed().map { $0 }
        var otherSeed = configuration(
            scratch + "/seed7", pairs: .nsp, strategy: .wholeWord, partition: try Partition(index: 1, count: 3))
        otherSeed.seed = 7
        _ = try MaskingJob.run(otherSeed)
        let single = scratch + "/single"
        _ = try MaskingJob.run(configuration(single, pairs: .nsp, strategy: .wholeWord))
        let out = scratch + "/merged"
        let cases: [([String], String)] = [
            ([three[0], three[1]], "\(three[0]): part(s) 2/3 missing; all 3 parts are needed"),
            (
                [three[0], three[1], three[1], three[2]],
                "\(three[1]): is part 1/3, as is \(three[1]); give each part once"
            ),
            ([three[0], otherSeed.output, three[2]], "\(otherSeed.output): setting seed is 7, \(three[0]) has 12345"),
            (
                [three[0], single],
                "\(single): is not one part of a partitioned run (its manifest has no \"partition\"); nothing to merge"
            ),
            (
                [three[0], input],
                "\(input): is not one part of a partitioned run (its manifest has no \"partition\"); nothing to merge"
            ),
            ([], "prep merge: no input datasets given"),
        ]
        for (inputs, message) in cases {
            XCTAssertThrowsError(try DatasetMerge.run(.init(inputs: inputs, output: out))) { e in
                XCTAssertEqual("\(e)", message)
                XCTAssertTrue((e as? MaskingError)?.isBadInput ?? false)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        // A shard cut short in a part: refused by size before anything is linked.
        let shard = three[2] + "/" + (try Dataset.readManifest(in: three[2])).shards[0].file
        let bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        try bytes.prefix(bytes.count - 1).write(to: URL(fileURLWithPath: shard))
        XCTAssertThrowsError(try DatasetMerge.run(.init(inputs: three, output: out))) {
            XCTAssertTrue("\($0)".contains("bytes, the manifest says"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // Merging into an existing path is refused.
        XCTAssertThrowsError(try DatasetMerge.run(.init(inputs: three, output: single))) {
            XCTAssertEqual("\($0)", "\(single): already exists; remove it or choose another --output")
        }
    }

    func testPartitionSharesCoverEveryUnitOnce() throws {
        for total in [0, 1, 5, 9, 100] {
            for n in 1...12 {
                let shares = try (0..<n).map { try Partition(index: $0, count: n).units(of: total) }
                XCTAssertEqual(shares.first?.lowerBound, 0)
                XCTAssertEqual(shares.last?.upperBound, total)
                for (a, b) in zip(shares, shares.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                XCTAssertLessThanOrEqual(shares.map(\.count).max()! - shares.map(\.count).min()!, 1)
            }
        }
        XCTAssertEqual(Partition(parsing: "2/3"), try Partition(index: 2, count: 3))
        for bad in ["3/3", "-1/3", "1/0", "1", "a/b", "1/2/3", ""] { XCTAssertNil(Partition(parsing: bad), bad) }
    }
}
