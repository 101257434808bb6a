import Corpus
import Foundation
import XCTest

@testable import Masking
@testable import Shards

/// `prep tokenize --partition I/N` + `prep merge`: the merged dataset holds the single run's
/// documents in order and its manifest settings (only the shard list differs: each part cut
/// its own shards), so `prep mask` over it writes the single run's instance shards byte for
/// byte; parts that are not one job are refused and no output is left.
final class TokenizePartitionMergeTests: XCTestCase {
    var dir = ""
    override func setUp() { dir = DocumentDatasetFixture.temporaryDirectory("tokpart-merge") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    static let vocab = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path

    static let words = [
        "the", "king", "said", "unto", "them", "and", "it", "was", "so", "people", "went", "out", "of",
        "city", "to", "see", "what", "happened", "running", "unbelievable", "package", "debian", "quickly",
    ]

    /// Documents of 1–9 sentences (every 13th of 30, longer than the 300-byte document limit),
    /// as text (blank lines between) or JSONL (one per line).
    static func corpus(documents: Int, seed: Int, jsonl: Bool) -> String {
        var x = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next(_ n: Int) -> Int {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return Int(x % UInt64(n))
        }
        var out = ""
        for d in 0..<documents {
            let sentences = (0..<(d % 13 == 4 ? 30 : 1 + next(9))).map { _ in
                (0..<(3 + next(12))).map { _ in words[next(words.count)] }.joined(separator: " ")
            }
            out +=
                jsonl
                ? "{\"text\": \"\(sentences.joined(separator: "\\n"))\"}\n"
                : sentences.joined(separator: "\n") + (d % 5 == 0 ? "\n\n \n" : "\n\n")
        }
        return out
    }

    private func write(_ text: String, _ name: String) throws -> String {
        let path = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func tokenize(_ inputs: [String], _ output: String, partition: Partition? = nil) throws {
        var job = TokenizeJob(vocabularyPath: Self.vocab, inputs: inputs, outputDirectory: output)
        job.threads = 2
        job.chunkBytes = 1500
        job.shardTokens = 2000
        job.maxDocumentBytes = 300
        job.partition = partition
        _ = try job.run()
    }

    private func mask(_ input: String, _ output: String) throws {
        var c = MaskingJobConfiguration(input: input, output: output)
        c.instances.pairing = .nsp
        c.instances.dupeFactor = 2
        c.instances.maxSequenceLength = 64
        c.masking.strategy = .wholeWord
        c.masking.maxPredictions = 10
        c.threads = 2
        c.documentsPerShard = 23
        c.documentsPerBatch = 5
        _ = try MaskingJob.run(c)
    }

    private func parts(_ inputs: [String], _ n: Int, tag: String) throws -> [String] {
        try (0..<n).reversed().map { i in
            let out = dir + "/\(tag)-part\(i)of\(n)"
            try tokenize(inputs, out, partition: try Partition(index: i, count: n))
            return out
        }
    }

    private func files(_ d: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: d) {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: d + "/" + name))
        }
        return out
    }

    func testMergedPartsMaskIntoTheSingleRunsBytes() throws {
        var small: [String] = []
        for i in 0..<10 {
            let jsonl = i % 3 == 0
            small.append(
                try write(Self.corpus(documents: 4 + i, seed: i, jsonl: jsonl), "f\(i).\(jsonl ? "jsonl" : "txt")"))
        }
        let corpora = [
            ("small", small),
            ("text", [try write(Self.corpus(documents: 200, seed: 50, jsonl: false), "big.txt")]),
            ("jsonl", [try write(Self.corpus(documents: 200, seed: 51, jsonl: true), "big.jsonl")]),
        ]
        for (name, inputs) in corpora {
            let single = dir + "/single-\(name)"
            try tokenize(inputs, single)
            let singleManifest = try Dataset.readManifest(in: single)
            XCTAssertGreaterThan(singleManifest.shards.count, 2, name)
            try mask(single, single + ".masked")
            let expected = try files(single + ".masked")
            let expectedDocuments = try DocumentDatasetFixture.records(in: single)
            for n in [1, 2, 3, 7] {
                let tag = "\(name)-\(n)"
                let merged = dir + "/merged-\(tag)"
                let summary = try DatasetMerge.run(.init(inputs: try parts(inputs, n, tag: tag), output: merged))
                XCTAssertEqual(summary.records, singleManifest.totalRecords, tag)
                XCTAssertEqual(summary.linked, summary.shards, tag)
                // Same documents, same order; the manifest is the single run's but for its shards.
                XCTAssertEqual(try DocumentDatasetFixture.records(in: merged), expectedDocuments, tag)
                var manifest = try Dataset.readManifest(in: merged)
                XCTAssertEqual(
                    manifest.shards.map(\.file), manifest.shards.indices.map { Dataset.shardPath(in: "", index: $0) })
                manifest.shards = singleManifest.shards
                XCTAssertEqual(manifest, singleManifest, tag)
                XCTAssertTrue(Dataset.verify(directory: merged, all: true).problems.isEmpty, tag)
                // prep mask over it: the single run's bytes, manifest too but for "input".
                try mask(merged, merged + ".masked")
                let got = try files(merged + ".masked")
                XCTAssertEqual(Set(got.keys), Set(expected.keys), tag)
                for (file, data) in expected where file != Dataset.manifestName {
                    XCTAssertEqual(got[file], data, "\(tag): \(file)")
                }
                var a = try Dataset.readManifest(in: merged + ".masked")
                let b = try Dataset.readManifest(in: single + ".masked")
                XCTAssertEqual(a.config["input"], (merged as NSString).standardizingPath)
                a.config["input"] = b.config["input"]
                XCTAssertEqual(a, b, tag)
            }
        }
    }

    func testMorePartsThanDocumentsLeaveEmptyParts() throws {
        let input = try write("one doc\n\nanother doc\n\nthe third\n", "three.txt")
        let single = dir + "/single"
        try tokenize([input], single)
        let all = try parts([input], 7, tag: "seven")
        let counts = try all.map { try Dataset.readManifest(in: $0).totalRecords }
        XCTAssertEqual(counts.reduce(0, +), 3)
        XCTAssertTrue(counts.contains(0), "\(counts)")
        let merged = dir + "/merged"
        _ = try DatasetMerge.run(.init(inputs: all, output: merged))
        XCTAssertEqual(try DocumentDatasetFixture.records(in: merged), try DocumentDatasetFixture.records(in: single))
        XCTAssertEqual(
            try Dataset.readManifest(in: merged).config, try Dataset.readManifest(in: single).config)
    }

    func testDocumentPartsThatAreNotOneJobAreRefusedAndNoOutputIsLeft() throws {
        let input = try write(Self.corpus(documents: 120, seed: 7, jsonl: false), "c.txt")
        let three = try parts([input], 3, tag: "ok").reversed().map { $0 }
        let other = dir + "/other-1of3"
        var job = TokenizeJob(vocabularyPath: Self.vocab, inputs: [input], outputDirectory: other)
        job.chunkBytes = 1500
        job.shardTokens = 2000
        job.maxDocumentBytes = 300
        job.normalizer.lowercase = false
        job.partition = try Partition(index: 1, count: 3)
        _ = try job.run()
        let two = try parts([input], 2, tag: "two")
        let masked = dir + "/masked-part"
        var c = MaskingJobConfiguration(input: three[0], output: masked)
        c.partition = try Partition(index: 1, count: 3)
        _ = try MaskingJob.run(c)
        let out = dir + "/merged"
        let cases: [([String], String)] = [
            ([three[0], three[2]], "\(three[0]): part(s) 1/3 missing; all 3 parts are needed"),
            (
                [three[0], three[1], three[1], three[2]],
                "\(three[1]): is part 1/3, as is \(three[1]); give each part once"
            ),
            ([three[0], other, three[2]], "\(other): setting lowercase is false, \(three[0]) has true"),
            ([three[0], two[0], three[2]], "\(two[0]): is part 1/2 but \(three[0]) is part 0/3"),
            ([three[0], masked, three[2]], "\(masked): is a part of prep mask, \(three[0]) of prep tokenize"),
        ]
        for (inputs, message) in cases {
            XCTAssertThrowsError(try DatasetMerge.run(.init(inputs: inputs, output: out))) { e in
                XCTAssertEqual("\(e)", message)
                XCTAssertTrue((e as? MaskingError)?.isBadInput ?? false)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        XCTAssertNoThrow(try DatasetMerge.run(.init(inputs: three, output: out)))
    }
}
