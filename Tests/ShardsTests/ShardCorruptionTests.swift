import Foundation
import XCTest
@testable import Shards

/// Damage on disk must never go unnoticed: every cut and every flipped bit is caught
/// by opening the shard or by reading its records, and by `Dataset.verify`.
final class ShardCorruptionTests: XCTestCase {
    /// A small shard with several blocks and metadata, so every part of the layout is present.
    func makeSmallShard(
        in dir: String
    ) throws -> (path: String, bytes: [UInt8], records: [ShardRecord], summary: ShardSummary) {
        let path = Dataset.shardPath(in: dir, index: 0)
        let records = randomRecords(12, seed: 11, maxLength: 12)
        let summary = try writeShard(path, records, metadata: ["config_sha256": "0123abcd"], blockBytes: 64)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return (path, bytes, records, summary)
    }

    /// Opens `path` and reads every record; returns the error, or nil when all went through.
    func openAndReadAll(_ path: String, expectedBytes: Int? = nil) -> Error? {
        do {
            let reader = try ShardReader(path: path, expectedBytes: expectedBytes)
            var r = ShardRecord(columnCount: reader.schema.fields.count)
            for i in 0..<reader.recordCount { try reader.read(i, into: &r) }
            return nil
        } catch { return error }
    }

    /// Opens `bytes` in memory and reads every record; returns the error, or nil.
    func openAndReadAll(bytes: [UInt8], label: String) -> Error? {
        do {
            let reader = try ShardReader(bytes: bytes, path: label)
            var r = ShardRecord(columnCount: reader.schema.fields.count)
            for i in 0..<reader.recordCount { try reader.read(i, into: &r) }
            return nil
        } catch { return error }
    }

    func testEveryFlippedBitIsCaughtByTheReader() throws {
        let dir = try makeTemporaryDirectory(self)
        let shard = try makeSmallShard(in: dir)
        XCTAssertGreaterThan(try ShardReader(path: shard.path).blockCount, 3)
        XCTAssertLessThan(shard.bytes.count, 2000, "keep the exhaustive test fast")
        XCTAssertNil(openAndReadAll(bytes: shard.bytes, label: "intact"))
        // In memory, so that the test does not wait on the disk: same parser as for files.
        var missed: [String] = []
        for position in 0..<shard.bytes.count {
            for bit in 0..<8 {
                var bytes = shard.bytes
                bytes[position] ^= UInt8(1 << bit)
                guard let error = openAndReadAll(bytes: bytes, label: "damaged") else {
                    missed.append("byte \(position) bit \(bit)"); continue
                }
                let text = "\(error)"
                if !text.hasPrefix("damaged: corrupt shard:") {
                    missed.append("byte \(position) bit \(bit): unclear error '\(text)'")
                }
            }
        }
        XCTAssertEqual(missed, [], "flips not reported as corruption")
        // And through a file, for a sample of positions.
        let damaged = dir + "/damaged.drbs"
        for position in stride(from: 0, to: shard.bytes.count, by: 97) {
            var bytes = shard.bytes
            bytes[position] ^= 0x20
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            let text = openAndReadAll(damaged).map { "\($0)" } ?? "no error"
            XCTAssertTrue(text.hasPrefix(damaged + ": corrupt shard:"), "byte \(position): \(text)")
        }
    }

    func testBlockDamageNamesBlockAndRecord() throws {
        let dir = try makeTemporaryDirectory(self)
        let shard = try makeSmallShard(in: dir)
        let reader = try ShardReader(path: shard.path)
        // Damage the first payload byte of block 2: offset of block 2 + block header.
        let range = reader.recordRange(ofBlock: 2)
        var bytes = shard.bytes
        let blockOffset = try blockOffsets(shard.path)[2]
        bytes[blockOffset + ShardLayout.blockHeaderBytes] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: shard.path))
        let damaged = try ShardReader(path: shard.path)  // open does not read blocks
        var r = ShardRecord(columnCount: 4)
        try damaged.read(range.lowerBound - 1, into: &r)  // other blocks still read
        XCTAssertThrowsShardError(
            try damaged.read(range.lowerBound, into: &r),
            containing: [
                shard.path, "corrupt shard", "block 2", "reading record \(range.lowerBound)", "checksum mismatch",
            ])
        XCTAssertThrowsShardError(try damaged.verifyBlock(2), containing: ["block 2", "checksum mismatch"])
    }

    func testTruncationAtEveryCutIsCaughtOnOpen() throws {
        let dir = try makeTemporaryDirectory(self)
        let shard = try makeSmallShard(in: dir)
        for length in 0..<shard.bytes.count {
            XCTAssertThrowsShardError(
                try ShardReader(bytes: Array(shard.bytes[..<length]), path: "cut"),
                containing: ["cut: corrupt shard", "\(length) bytes"])
        }
        // Through files, with and without the size the manifest expects, at sample cuts.
        let cut = dir + "/cut.drbs"
        for length in stride(from: 0, to: shard.bytes.count, by: 61) {
            try Data(shard.bytes[..<length]).write(to: URL(fileURLWithPath: cut))
            XCTAssertThrowsShardError(
                try ShardReader(path: cut), containing: [cut, "corrupt shard", "\(length) bytes"])
            XCTAssertThrowsShardError(
                try ShardReader(path: cut, expectedBytes: shard.bytes.count),
                containing: [cut, "truncated: file is \(length) bytes, expected \(shard.bytes.count)"])
        }
        // Trailing garbage is not silently accepted either.
        try Data(shard.bytes + [0]).write(to: URL(fileURLWithPath: cut))
        XCTAssertThrowsShardError(try ShardReader(path: cut), containing: [cut, "no end marker"])
    }

    func testNotAShard() throws {
        let dir = try makeTemporaryDirectory(self)
        try Data(repeating: 0x41, count: 500).write(to: URL(fileURLWithPath: dir + "/text.drbs"))
        XCTAssertThrowsShardError(
            try ShardReader(path: dir + "/text.drbs"), containing: ["text.drbs", "bad magic at byte 0"])
        XCTAssertThrowsShardError(try ShardReader(path: dir), containing: [dir, "not a regular file"])
    }

    /// File offsets of the blocks, read from the index through the footer.
    func blockOffsets(_ path: String) throws -> [Int] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return bytes.withUnsafeBytes { p -> [Int] in
            let base = p.baseAddress!
            let footer = bytes.count - ShardLayout.footerBytes
            let indexOffset = Int(base.le(footer, UInt64.self)), blocks = Int(base.le(footer + 8, UInt64.self))
            return (0..<blocks).map { Int(base.le(indexOffset + $0 * ShardLayout.blockEntryBytes, UInt64.self)) }
        }
    }
}
