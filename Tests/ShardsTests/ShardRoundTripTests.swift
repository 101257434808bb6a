import Foundation
import XCTest
@testable import Shards

final class ShardRoundTripTests: XCTestCase {
    func testRandomRecordsRoundTripAcrossManyBlocks() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/a.drbs"
        let records = randomRecords(2000, seed: 1)
        let summary = try writeShard(path, records, blockBytes: 8192)
        XCTAssertEqual(summary.records, 2000)
        XCTAssertEqual(summary.file, "a.drbs")
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        XCTAssertEqual(summary.bytes, size)
        let reader = try ShardReader(path: path)
        XCTAssertGreaterThan(reader.blockCount, 10, "the test must span many blocks")
        XCTAssertEqual(reader.schema, mixedSchema)
        XCTAssertEqual(try readAll(path), records)
        XCTAssertEqual(XXHash64.hex(reader.fileChecksum()), summary.xxh64)
        // Block ranges tile the records, and block(ofRecord:) agrees with them.
        var next = 0
        for b in 0..<reader.blockCount {
            let range = reader.recordRange(ofBlock: b)
            XCTAssertEqual(range.lowerBound, next)
            XCTAssertFalse(range.isEmpty)
            for i in range { XCTAssertEqual(reader.block(ofRecord: i), b) }
            next = range.upperBound
        }
        XCTAssertEqual(next, records.count)
        // Whole-file hash agrees with an independent hash of the bytes on disk.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(XXHash64.hex(XXHash64.hash(bytes)), summary.xxh64)
    }

    func testRandomAccessOrder() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/a.drbs"
        let records = randomRecords(1500, seed: 2)
        try writeShard(path, records, blockBytes: 4096)
        let reader = try ShardReader(path: path, cacheBlocks: 2)
        var rng = SplitMix64(seed: 3)
        var r = ShardRecord(columnCount: 4)
        for i in (0..<records.count).shuffled(using: &rng) + [0, 1499, 0, 750] {
            try reader.read(i, into: &r)
            XCTAssertEqual(r, records[i], "record \(i)")
        }
        XCTAssertThrowsShardError(try reader.read(1500, into: &r), containing: ["out of range", "1500"])
        XCTAssertThrowsShardError(try reader.read(-1, into: &r), containing: ["out of range"])
    }

    func testReadIntoRecordWithWrongColumnCountResizesIt() throws {
        let dir = try makeTemporaryDirectory(self)
        let records = randomRecords(3, seed: 9)
        try writeShard(dir + "/a.drbs", records)
        var r = ShardRecord(columnCount: 1)
        try ShardReader(path: dir + "/a.drbs").read(2, into: &r)
        XCTAssertEqual(r, records[2])
    }

    func testEmptyShard() throws {
        let dir = try makeTemporaryDirectory(self)
        let summary = try writeShard(dir + "/e.drbs", [])
        XCTAssertEqual(summary.records, 0)
        let reader = try ShardReader(path: dir + "/e.drbs")
        XCTAssertEqual(reader.recordCount, 0)
        XCTAssertEqual(reader.blockCount, 0)
        XCTAssertEqual(reader.schema, mixedSchema)
    }

    func testEmptyColumnsAndEmptyRecords() throws {
        let dir = try makeTemporaryDirectory(self)
        let records = [ShardRecord(columnCount: 4), ShardRecord(columnCount: 4)]
        try writeShard(dir + "/z.drbs", records)
        XCTAssertEqual(try readAll(dir + "/z.drbs"), records)
    }

    func testRecordLargerThanABlock() throws {
        let dir = try makeTemporaryDirectory(self)
        var big = ShardRecord(columnCount: 4)
        big.columns[0] = (0..<50_000).map { UInt32($0 % 65_536) }
        big.columns[2] = (0..<10_000).map { UInt32($0) &* 2_654_435_761 }
        let records = randomRecords(5, seed: 4) + [big] + randomRecords(5, seed: 5)
        try writeShard(dir + "/big.drbs", records, blockBytes: 1024)
        XCTAssertEqual(try readAll(dir + "/big.drbs"), records)
    }

    func testOutOfRangeValuesAreRejectedAndLeaveTheShardIntact() throws {
        let dir = try makeTemporaryDirectory(self)
        let w = try ShardWriter(path: dir + "/r.drbs", schema: mixedSchema)
        let good = randomRecords(3, seed: 6)
        try w.append(good[0])
        var bad = good[1]
        bad.columns[0].append(65_536)
        XCTAssertThrowsShardError(try w.append(bad), containing: ["r.drbs", "record 1", "ids16", "65536", "uint16"])
        bad = good[1]
        bad.columns[1] = [3, 256]
        XCTAssertThrowsShardError(try w.append(bad), containing: ["flags8", "element 1", "256", "uint8"])
        XCTAssertThrowsShardError(try w.append(ShardRecord(columnCount: 3)), containing: ["3 columns", "schema has 4"])
        try w.append(good[1])
        try w.append(good[2])
        _ = try w.finish()
        XCTAssertEqual(try readAll(dir + "/r.drbs"), good)
    }

    func testMetadataAndSchemaRoundTrip() throws {
        let dir = try makeTemporaryDirectory(self)
        let meta = [
            "config_sha256": String(repeating: "ab", count: 32), "kind": "instances", "ünïcode": "väl=ue\n",
            "": "empty key",
        ]
        let schema = InstanceSchema.make(vocabularySize: 30_522)
        var r = ShardRecord(columnCount: 5)
        r.columns = [[101, 2023, 102], [1], [2023], [0], [3]]
        try writeShard(dir + "/m.drbs", [r], schema: schema, metadata: meta)
        let reader = try ShardReader(path: dir + "/m.drbs")
        XCTAssertEqual(reader.metadata, meta)
        XCTAssertEqual(reader.schema, schema)
        XCTAssertEqual(reader.schema.fields[0].type, .uint16)
        XCTAssertEqual(InstanceSchema.make(vocabularySize: 70_000).fields[2].type, .uint32)
        XCTAssertEqual(
            InstanceSchema.make(vocabularySize: 30_522, maxSequenceLength: 256).fields.map(\.type),
            [.uint16, .uint8, .uint16, .uint8, .uint8])
        XCTAssertEqual(
            InstanceSchema.make(vocabularySize: 30_522, maxSequenceLength: 257, pairs: false).fields.map(\.name),
            ["input_ids", "masked_positions", "masked_labels"])
        XCTAssertEqual(InstanceSchema.make(vocabularySize: 30_522, maxSequenceLength: 257).fields[1].type, .uint16)
    }

    func testSameInputGivesIdenticalBytes() throws {
        let dir = try makeTemporaryDirectory(self)
        let records = randomRecords(300, seed: 7)
        let a = try writeShard(dir + "/a.drbs", records, metadata: ["x": "1", "y": "2"])
        let b = try writeShard(dir + "/b.drbs", records, metadata: ["y": "2", "x": "1"])
        XCTAssertEqual(a.xxh64, b.xxh64)
        XCTAssertEqual(a.bytes, b.bytes)
    }

    func testAbandonedWriterLeavesNothing() throws {
        let dir = try makeTemporaryDirectory(self)
        let w = try ShardWriter(path: dir + "/x.drbs", schema: mixedSchema, targetBlockBytes: 512)
        for r in randomRecords(100, seed: 8) { try w.append(r) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: w.temporaryPath))
        w.abandon()
        w.abandon()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
        XCTAssertThrowsError(try w.append(ShardRecord(columnCount: 4)))
        XCTAssertThrowsError(try w.finish())

        // A writer dropped without finish() also cleans up.
        do {
            let w2 = try ShardWriter(path: dir + "/y.drbs", schema: mixedSchema)
            try w2.append(ShardRecord(columnCount: 4))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testUnfinishedShardIsNotVisibleUnderItsName() throws {
        let dir = try makeTemporaryDirectory(self)
        let w = try ShardWriter(path: dir + "/x.drbs", schema: mixedSchema)
        try w.append(ShardRecord(columnCount: 4))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.drbs"))
        XCTAssertEqual(Dataset.removeTemporaries(in: dir).count, 1)
        XCTAssertThrowsShardError(try w.finish(), containing: ["x.drbs"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.drbs"))
    }

    func testWriterIntoMissingDirectoryNamesThePath() {
        XCTAssertThrowsShardError(
            try ShardWriter(path: "/nonexistent-dir-xyz/s.drbs", schema: mixedSchema),
            containing: ["/nonexistent-dir-xyz/s.drbs", "No such file or directory"])
    }

    func testMissingShardFileNamesThePath() {
        XCTAssertThrowsShardError(
            try ShardReader(path: "/nonexistent-dir-xyz/s.drbs"),
            containing: ["/nonexistent-dir-xyz/s.drbs", "No such file or directory"])
    }
}
