import Foundation
import XCTest
@testable import Shards

final class DatasetVerificationTests: XCTestCase {
    func makeDataset(in dir: String, blockBytes: Int = 256) throws -> DatasetManifest {
        try makeDocumentDataset(in: dir, blockBytes: blockBytes)
    }

    func testHealthyDatasetVerifies() throws {
        let dir = try makeTemporaryDirectory(self)
        let m = try makeDataset(in: dir)
        var calls = 0
        let v = Dataset.verify(directory: dir) { p in
            calls += 1
            XCTAssertLessThanOrEqual(p.completed, p.total)
            XCTAssertEqual(p.unit, .bytes)
        }
        XCTAssertTrue(v.ok, "\(v.problems)")
        XCTAssertEqual(v.shardsChecked, 3)
        XCTAssertEqual(v.recordsChecked, m.totalRecords)
        XCTAssertEqual(v.bytesChecked, m.shards.reduce(0) { $0 + $1.bytes })
        XCTAssertGreaterThan(v.blocksChecked, 6)
        XCTAssertGreaterThan(calls, 3)
        XCTAssertEqual(v.unlistedFiles, [])
        try writeShard(Dataset.shardPath(in: dir, index: 7), [])
        FileManager.default.createFile(atPath: dir + "/.shard-00003.drbs.tmp-99", contents: Data([1]))
        FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data([1]))
        let again = Dataset.verify(directory: dir)
        XCTAssertTrue(again.ok)
        XCTAssertEqual(again.unlistedFiles, [".shard-00003.drbs.tmp-99", "shard-00007.drbs"])
    }

    func testEveryFlippedBitIsCaughtByVerify() throws {
        let dir = try makeTemporaryDirectory(self)
        let m = try makeDataset(in: dir, blockBytes: 128)
        let path = Dataset.shardPath(in: dir, index: 1)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertLessThan(original.count, 3000, "keep the exhaustive test fast")
        // Flip one byte in place (pwrite), verify, restore: one dirty page per case.
        let fd = open(path, O_WRONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var missed: [Int] = []
        for position in 0..<original.count {
            var flipped = original[position] ^ UInt8(1 << (position % 8))
            pwrite(fd, &flipped, 1, off_t(position))
            let v = Dataset.verify(directory: dir)
            if v.ok || v.problems.first?.shard != m.shards[1].file { missed.append(position) }
            var restored = original[position]
            pwrite(fd, &restored, 1, off_t(position))
        }
        XCTAssertEqual(missed, [], "flipped bits at these byte positions went unnoticed")
        XCTAssertTrue(Dataset.verify(directory: dir).ok)
    }

    func testFirstProblemNamesShardAndBlock() throws {
        let dir = try makeTemporaryDirectory(self)
        _ = try makeDataset(in: dir)
        let path = Dataset.shardPath(in: dir, index: 2)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let reader = try ShardReader(path: path)
        XCTAssertGreaterThan(reader.blockCount, 1)
        // Damage the last byte before the index: the checksum of the last block.
        let indexOffset = bytes.withUnsafeBytes {
            Int($0.baseAddress!.le(bytes.count - ShardLayout.footerBytes, UInt64.self))
        }
        bytes[indexOffset - 1] ^= 0x80
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let v = Dataset.verify(directory: dir)
        XCTAssertEqual(v.problems.count, 1)
        XCTAssertEqual(v.problems[0].shard, "shard-00002.drbs")
        XCTAssertEqual(v.problems[0].block, reader.blockCount - 1)
        XCTAssertTrue(
            v.problems[0].message.contains("shard-00002.drbs: corrupt shard: block \(reader.blockCount - 1)"),
            v.problems[0].message)
        XCTAssertEqual(v.shardsChecked, 3)
    }

    func testAllListsEveryProblem() throws {
        let dir = try makeTemporaryDirectory(self)
        var m = try makeDataset(in: dir)
        // Shard 0: truncated. Shard 1: manifest count wrong. Shard 2: manifest checksum wrong.
        let p0 = Dataset.shardPath(in: dir, index: 0)
        let b0 = try Data(contentsOf: URL(fileURLWithPath: p0))
        try b0.prefix(b0.count - 10).write(to: URL(fileURLWithPath: p0))
        m.shards[1].records += 1
        m.shards[2].xxh64 = "0000000000000000"
        try Dataset.writeManifest(m, to: dir)

        let first = Dataset.verify(directory: dir)
        XCTAssertEqual(first.problems.count, 1)
        XCTAssertTrue(
            first.problems[0].message.contains(
                "shard-00000.drbs: corrupt shard: truncated: file is \(b0.count - 10) bytes, expected \(b0.count)"),
            first.problems[0].message)

        for threads in [1, 2, 3] {
            let v = Dataset.verify(directory: dir, threads: threads)
            XCTAssertEqual(v.problems, first.problems, "threads \(threads)")
            XCTAssertEqual(Dataset.verify(directory: dir, all: true, threads: threads).problems.count, 3)
        }
        let every = Dataset.verify(directory: dir, all: true)
        XCTAssertEqual(every.problems.map(\.shard), ["shard-00000.drbs", "shard-00001.drbs", "shard-00002.drbs"])
        XCTAssertTrue(
            every.problems[1].message.contains("shard holds 21 records, manifest says 22"), every.problems[1].message)
        XCTAssertTrue(every.problems[2].message.contains("whole-file XXH64"), every.problems[2].message)
        XCTAssertTrue(every.isDataset)
    }

    func testMissingShardAndSchemaMismatch() throws {
        let dir = try makeTemporaryDirectory(self)
        var m = try makeDataset(in: dir)
        try FileManager.default.removeItem(atPath: Dataset.shardPath(in: dir, index: 1))
        m.schema.fields[0].type = .uint32
        try Dataset.writeManifest(m, to: dir)
        let v = Dataset.verify(directory: dir, all: true)
        XCTAssertEqual(v.problems.count, 4, "\(v.problems)")
        XCTAssertTrue(
            v.problems[0].message.contains("kind \"documents\" does not match the schema"), v.problems[0].message)
        XCTAssertTrue(v.problems[1].message.contains("schema mismatch"), v.problems[1].message)
        XCTAssertTrue(
            v.problems[2].message.contains("shard-00001.drbs: cannot open shard: No such file or directory"),
            v.problems[2].message)
    }

    func testMissingManifestIsNotADataset() throws {
        let dir = try makeTemporaryDirectory(self)
        let v = Dataset.verify(directory: dir)
        XCTAssertFalse(v.ok)
        XCTAssertFalse(v.isDataset)
        XCTAssertTrue(v.problems[0].message.contains("no manifest.json"))
    }
}

/// A documents dataset of three shards, its vocabulary copy and a manifest.
func makeDocumentDataset(in dir: String, blockBytes: Int = 256) throws -> DatasetManifest {
    var shards: [ShardSummary] = []
    let schema = DocumentSchema.make(vocabularySize: 100)
    for k in 0..<3 {  // shard 1 stays small for the exhaustive flip test
        var rng = SplitMix64(seed: UInt64(k))
        let records = (0..<(20 + k)).map { _ in
            var r = ShardRecord(columnCount: 2)
            r.columns[0] = (0..<Int.random(in: 0...20, using: &rng)).map { _ in UInt32.random(in: 0..<100, using: &rng)
            }
            r.columns[1] = [UInt32(r.columns[0].count)]
            return r
        }
        shards.append(
            try writeShard(
                Dataset.shardPath(in: dir, index: k), records, schema: schema,
                metadata: ["config_sha256": "feed"], blockBytes: blockBytes))
    }
    let vocab = Array((0..<100).map { "token\($0)\n" }.joined().utf8)
    try Data(vocab).write(to: URL(fileURLWithPath: dir + "/vocab.txt"))
    let m = DatasetManifest(
        formatVersion: DatasetManifest.currentFormatVersion, kind: "documents", schema: schema,
        config: ["seed": "1"],
        vocab: VocabularyIdentity(file: "vocab.txt", size: 100, sha256: SHA256Hasher.hex(of: vocab)), shards: shards)
    try Dataset.writeManifest(m, to: dir)
    return m
}
