import Foundation
import XCTest
@testable import Shards

/// `ShardWriter(backgroundCompression: true)` (what `prep mask` uses) must only move work to
/// another thread: same bytes as the plain writer, and a write error still surfaces.
final class ShardBackgroundCompressionTests: XCTestCase {
    func testBackgroundCompressionWritesTheSameBytes() throws {
        let dir = try makeTemporaryDirectory(self)
        let records = randomRecords(3000, seed: 21)
        var files: [Data] = []
        for (name, background) in [("plain", false), ("background", true)] {
            let path = dir + "/\(name).drbs"
            // Small blocks, so many are in flight at once.
            let w = try ShardWriter(
                path: path, schema: mixedSchema, metadata: ["k": "v"], targetBlockBytes: 2048,
                compressionLevel: 1, backgroundCompression: background)
            for r in records { try w.append(r) }
            _ = try w.finish()
            files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        XCTAssertEqual(files[0], files[1])
        XCTAssertEqual(try readAll(dir + "/background.drbs"), records)
    }

    /// The buffer form of `append` writes what `append(_: ShardRecord)` writes.
    func testAppendFromBuffersMatchesAppendRecord() throws {
        let dir = try makeTemporaryDirectory(self)
        let records = randomRecords(500, seed: 22)
        let w = try ShardWriter(path: dir + "/b.drbs", schema: mixedSchema, targetBlockBytes: 4096)
        for r in records {
            let copies = r.columns.map { c -> UnsafeMutableBufferPointer<UInt32> in
                let p = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: c.count)
                _ = p.initialize(from: c)
                return p
            }
            defer { copies.forEach { $0.deallocate() } }
            try w.append(columnCount: copies.count) { UnsafeBufferPointer(copies[$0]) }
        }
        _ = try w.finish()
        XCTAssertEqual(try readAll(dir + "/b.drbs"), records)
    }

    /// Records encoded ahead (`EncodedRecords`, as `prep mask`'s workers do) and appended in
    /// batches of any size give the bytes of appending them one by one, block boundaries included.
    func testEncodedRecordsWriteTheSameBytes() throws {
        let dir = try makeTemporaryDirectory(self)
        let records = randomRecords(1200, seed: 23)
        _ = try writeShard(dir + "/plain.drbs", records, blockBytes: 3000)
        for (name, batch, background) in [("one", 1, false), ("seven", 7, true), ("all", 1200, true)] {
            let path = dir + "/\(name).drbs"
            let w = try ShardWriter(
                path: path, schema: mixedSchema, targetBlockBytes: 3000, backgroundCompression: background)
            let encoded = EncodedRecords(schema: mixedSchema, path: path)
            for (k, r) in records.enumerated() {
                for c in r.columns { try c.withUnsafeBufferPointer { try encoded.append(column: $0) } }
                if (k + 1) % batch == 0 || k == records.count - 1 {
                    XCTAssertEqual(encoded.count, (k % batch) + 1)
                    try w.append(encoded)
                    encoded.removeAll()
                }
            }
            _ = try w.finish()
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: path)),
                try Data(contentsOf: URL(fileURLWithPath: dir + "/plain.drbs")), name)
        }
    }

    /// A value too wide for its column is refused with the column and value named, the partial
    /// record is dropped, and a half-built record is not accepted by the writer.
    func testEncodedRecordsRejectValuesThatDoNotFit() throws {
        let dir = try makeTemporaryDirectory(self)
        let encoded = EncodedRecords(schema: mixedSchema, path: dir + "/x")
        for c in randomRecords(1, seed: 1)[0].columns {
            try c.withUnsafeBufferPointer { try encoded.append(column: $0) }
        }
        let bytes = encoded.byteCount
        try [UInt32(7)].withUnsafeBufferPointer { try encoded.append(column: $0) }
        XCTAssertThrowsError(try [UInt32(3), 300].withUnsafeBufferPointer { try encoded.append(column: $0) }) { e in
            XCTAssert("\(e)".contains("flags8") && "\(e)".contains("300") && "\(e)".contains("uint8"), "\(e)")
        }
        XCTAssertEqual(encoded.count, 1)
        XCTAssertEqual(encoded.byteCount, bytes)
        let w = try ShardWriter(path: dir + "/w.drbs", schema: mixedSchema)
        try [UInt32(7)].withUnsafeBufferPointer { try encoded.append(column: $0) }
        XCTAssertThrowsError(try w.append(encoded)) { XCTAssert("\($0)".contains("incomplete"), "\($0)") }
        w.abandon()
    }

    /// A full disk while blocks are written in the background: the error names the shard and
    /// the byte offset (from a later append or from finish), and abandoning leaves nothing.
    func testBackgroundWriteFailureSurfaces() throws {
        try assertFullDiskWriteFailsCleanly(self, backgroundCompression: true)
    }
}
