import Foundation
import XCTest
import Shards

/// `prep stream` end to end: the built binary over a small instance dataset.
final class StreamCommandTests: XCTestCase {
    private func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try PrepProcess.run(["stream"] + arguments)
    }

    private func dataset(records: Int) throws -> String {
        let dir = try makeTemporaryDirectory("stream-cli")
        let schema = InstanceSchema.make(vocabularySize: 30522)
        var summaries: [ShardSummary] = []
        for s in 0..<2 {
            let w = try ShardWriter(path: Dataset.shardPath(in: dir, index: s), schema: schema, targetBlockBytes: 1024)
            for i in (s * records / 2)..<((s + 1) * records / 2) {
                var r = ShardRecord(columnCount: schema.fields.count)
                r.columns[0] = [101] + (0..<(5 + i % 20)).map { UInt32(2000 + ($0 + i) % 5000) } + [102]
                r.columns[1] = [1]; r.columns[2] = [1999]
                r.columns[4] = [UInt32(r.columns[0].count)]  // no segment B; no pair label
                try w.append(r)
            }
            summaries.append(try w.finish())
        }
        let vocab = PrepProcess.root.path + "/Vocab/bert-base-uncased/vocab.txt"
        try Dataset.writeManifest(
            DatasetManifest(
                formatVersion: DatasetManifest.currentFormatVersion, kind: "instances",
                schema: schema, config: [:],
                vocab: VocabularyIdentity(file: vocab, size: 30522, sha256: "test"),
                shards: summaries), to: dir)
        return dir
    }

    private func ids(_ out: String) -> [[Int]] {
        out.split(separator: "\n").map { $0.split(separator: " ").map { Int($0)! } }
    }

    func testPrintIDsCoversTheEpochAndResumeContinuesIt() throws {
        let dir = try dataset(records: 500)
        let full = try run([dir, "--batch-size", "8", "--seed", "3", "--print-ids"])
        XCTAssertEqual(full.status, 0, full.err)
        let batches = ids(full.out)
        XCTAssertEqual(batches.flatMap { $0 }.sorted(), Array(0..<500))
        XCTAssertEqual(batches.count, 63)

        let state = dir + "/state.json"
        let head = try run([
            dir, "--batch-size", "8", "--seed", "3", "--print-ids", "--stop-after-batches", "10",
            "--save-state", state, "--threads", "0",
        ])
        XCTAssertEqual(head.status, 0, head.err)
        let saved =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: state))) as! [String: Any]
        XCTAssertEqual(saved["globalSamplesConsumed"] as? Int, 80)
        XCTAssertEqual(saved["seed"] as? Int, 3)
        let tail = try run([dir, "--batch-size", "8", "--print-ids", "--resume", state, "--threads", "3"])
        XCTAssertEqual(tail.status, 0, tail.err)
        XCTAssertEqual(ids(head.out) + ids(tail.out), batches)

        // A state saved at the end of an epoch resumes at the start of the next one.
        let end = try run([dir, "--batch-size", "8", "--seed", "3", "--save-state", state])
        XCTAssertEqual(end.status, 0, end.err)
        let next = try run([dir, "--batch-size", "8", "--print-ids", "--resume", state])
        let epoch1 = try run([dir, "--batch-size", "8", "--seed", "3", "--epoch", "1", "--print-ids"])
        XCTAssertEqual(next.out, epoch1.out)
        XCTAssertNotEqual(epoch1.out, full.out)
        XCTAssertTrue(next.err.contains("continuing with epoch 1"), next.err)
    }

    func testElasticResumeFromTwoRanksToThree() throws {
        let dir = try dataset(records: 301)
        var seen: [Int] = []
        let state = dir + "/state.json"
        for r in 0..<2 {
            let part = try run([
                dir, "--batch-size", "5", "--world-size", "2", "--rank", String(r), "--print-ids",
                "--stop-after-batches", "7", "--save-state", state,
            ])
            XCTAssertEqual(part.status, 0, part.err)
            seen += ids(part.out).flatMap { $0 }
        }
        for r in 0..<3 {
            let part = try run([
                dir, "--batch-size", "5", "--world-size", "3", "--rank", String(r), "--print-ids", "--resume", state,
            ])
            XCTAssertEqual(part.status, 0, part.err)
            seen += ids(part.out).flatMap { $0 }
        }
        XCTAssertEqual(seen.count, 301)
        XCTAssertEqual(Set(seen), Set(0..<301))
    }

    func testCorruptShardExitsTwoNamingShardAndBlock() throws {
        let dir = try dataset(records: 300)
        let shard = Dataset.shardPath(in: dir, index: 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        bytes[bytes.count / 3] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: shard))
        let bad = try run([dir, "--batch-size", "8"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.err.contains("shard-00000.drbs") && bad.err.contains("block"), bad.err)
        XCTAssertEqual(bad.err.split(separator: "\n").count, 1, bad.err)
        let skipping = try run([dir, "--batch-size", "8", "--skip-corrupt", "--print-ids"])
        XCTAssertEqual(skipping.status, 0, skipping.err)
        XCTAssertTrue(skipping.err.contains("skipped"), skipping.err)
        let n = ids(skipping.out).flatMap { $0 }.count
        XCTAssertTrue(n > 0 && n < 300)
    }

    func testBenchReportsRates() throws {
        let dir = try dataset(records: 200)
        let r = try run([dir, "--batch-size", "16", "--bench"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("samples/s") && r.out.contains("MB/s"), r.out)
    }
}
