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
            let w = try ShardWriter(path: path, schema: mixedSchema, metadata: ["k": "v"], targetBlockBytes: 2048,
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

    /// A full disk while blocks are written in the background: the error names the shard and
    /// the byte offset (from a later append or from finish), and abandoning leaves nothing.
    func testBackgroundWriteFailureSurfaces() throws {
        try assertFullDiskWriteFailsCleanly(self, backgroundCompression: true)
    }
}
