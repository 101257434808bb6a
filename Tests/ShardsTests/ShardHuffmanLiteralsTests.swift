import Foundation
import XCTest
@testable import Shards

/// `ShardWriter(huffmanLiterals: true)` (what `prep mask` uses) changes only how zstd codes a
/// block: the shard reads back the same records, verifies, and at a negative level comes out
/// smaller than plain zstd at that level on token-like data (zstd leaves literals raw there).
final class ShardHuffmanLiteralsTests: XCTestCase {
    /// Token-id-like records: 16-bit ids below 30,522 with a Zipf-ish skew, no long repeats, so
    /// matches find little and entropy coding of the literals is what can shrink them.
    func tokenRecords(_ count: Int, seed: UInt64) -> [ShardRecord] {
        var rng = SplitMix64(seed: seed)
        let schema = [ShardField("input_ids", .uint16), ShardField("masked_positions", .uint8)]
        return (0..<count).map { _ in
            var r = ShardRecord(columnCount: schema.count)
            r.columns[0] = (0..<128).map { _ in
                let u = Double(rng.next() >> 11) * 0x1p-53
                return UInt32(min(30_521.0, 30_522.0 * u * u * u))
            }
            r.columns[1] = (0..<19).map { _ in UInt32.random(in: 0...127, using: &rng) }
            return r
        }
    }

    func testHuffmanLiteralsReadBackAndShrinkNegativeLevels() throws {
        let dir = try makeTemporaryDirectory(self)
        let schema = ShardSchema([ShardField("input_ids", .uint16), ShardField("masked_positions", .uint8)])
        let records = tokenRecords(4000, seed: 31)
        var sizes: [Bool: Int] = [:]
        for huffman in [false, true] {
            for background in [false, true] {
                let path = dir + "/h\(huffman)-b\(background).drbs"
                let w = try ShardWriter(
                    path: path, schema: schema, targetBlockBytes: 1 << 16, compressionLevel: -12,
                    huffmanLiterals: huffman, backgroundCompression: background)
                for r in records { try w.append(r) }
                let summary = try w.finish()
                XCTAssertEqual(try readAll(path), records)
                XCTAssertNoThrow(try ShardReader(path: path).verifyAllBlocks())
                if let earlier = sizes[huffman] {
                    XCTAssertEqual(summary.bytes, earlier, "background changed the bytes")
                }
                sizes[huffman] = summary.bytes
            }
        }
        // Raw literals at −12 barely compress these; Huffman-coded ones shrink ~10% (the ids' high bytes).
        XCTAssertLessThan(Double(sizes[true]!), 0.95 * Double(sizes[false]!), "\(sizes)")
    }
}
