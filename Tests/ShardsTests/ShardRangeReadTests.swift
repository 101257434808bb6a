import Foundation
import XCTest
@testable import Shards

/// `ShardReader.read(_: Range, into:prefetch:)` (how `prep mask`'s workers read a batch) gives
/// the records `read(_:into:)` gives one by one, across block boundaries, with or without
/// read-ahead, from one reader shared by two threads; a corrupt block still names its record.
final class ShardRangeReadTests: XCTestCase {
    func testRangeReadsMatchSingleReads() throws {
        let dir = try makeTemporaryDirectory(self)
        let records = randomRecords(700, seed: 31)
        _ = try writeShard(dir + "/r.drbs", records, blockBytes: 2500)
        for (cache, prefetch) in [(1, false), (4, true), (2, true)] {
            let reader = try ShardReader(path: dir + "/r.drbs", cacheBlocks: cache)
            XCTAssertGreaterThan(reader.blockCount, 20)
            var out: [ShardRecord] = []
            for lo in stride(from: 0, to: records.count, by: 37) {
                let range = lo..<min(records.count, lo + 37)
                try reader.read(range, into: &out, prefetch: prefetch)
                XCTAssertGreaterThanOrEqual(out.count, range.count)
                for (k, i) in range.enumerated() { XCTAssertEqual(out[k], records[i], "record \(i)") }
            }
            try reader.read(5..<5, into: &out)  // empty: nothing to do
            XCTAssertThrowsError(try reader.read(690..<701, into: &out))
        }
    }

    func testTwoThreadsSharingAReaderWithReadAhead() throws {
        let dir = try makeTemporaryDirectory(self)
        let records = randomRecords(1500, seed: 32)
        _ = try writeShard(dir + "/r.drbs", records, blockBytes: 2000)
        let reader = try ShardReader(path: dir + "/r.drbs", cacheBlocks: 4)
        let batches = stride(from: 0, to: records.count, by: 16).map { $0..<min(records.count, $0 + 16) }
        final class Count: @unchecked Sendable {
            let lock = NSLock(); var value = 0
            func add() { lock.lock(); value += 1; lock.unlock() }
        }
        let bad = Count()
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            var out: [ShardRecord] = []
            for (j, range) in batches.enumerated() where j % 2 == t {
                do {
                    try reader.read(range, into: &out, prefetch: true)
                    for (k, i) in range.enumerated() where out[k] != records[i] { bad.add() }
                } catch { bad.add() }
            }
        }
        XCTAssertEqual(bad.value, 0)
    }

    func testCorruptBlockInARangeNamesTheRecord() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/r.drbs"
        let records = randomRecords(300, seed: 33)
        _ = try writeShard(path, records, blockBytes: 2000)
        // Flip a byte in the middle of the file (inside some block's compressed bytes).
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
        let reader = try ShardReader(path: path, cacheBlocks: 4)
        var out: [ShardRecord] = []
        // Read-ahead into a bad block is silent; reading it reports it.
        var failed = false
        for lo in stride(from: 0, to: records.count, by: 10) {
            do { try reader.read(lo..<min(records.count, lo + 10), into: &out, prefetch: true) } catch {
                XCTAssertTrue("\(error)".contains("checksum mismatch"), "\(error)")
                XCTAssertTrue("\(error)".contains("reading record"), "\(error)")
                failed = true
                break
            }
        }
        XCTAssertTrue(failed)
    }
}
