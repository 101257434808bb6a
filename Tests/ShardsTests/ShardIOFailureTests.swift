import Foundation
import XCTest
@testable import Shards

final class ShardIOFailureTests: XCTestCase {
    /// A full disk, simulated with a file-size limit (writes fail with EFBIG instead of
    /// ENOSPC; the path through the writer is the same): the error names the shard and the
    /// byte offset, and abandoning leaves no file behind.
    func testWriteFailureNamesTheFileAndLeavesNothing() throws {
        let text = try assertFullDiskWriteFailsCleanly(self, backgroundCompression: false)
        XCTAssertTrue(text.contains("File too large"), text)
    }

    /// One reader shared by several threads returns the same records as a private one.
    func testConcurrentReadsThroughOneReader() throws {
        let dir = try makeTemporaryDirectory(self)
        let records = randomRecords(600, seed: 12, maxLength: 60)
        try writeShard(dir + "/c.drbs", records, blockBytes: 1024)
        let reader = try ShardReader(path: dir + "/c.drbs", cacheBlocks: 2)
        let failures = NSLock()
        var wrong = 0
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            var r = ShardRecord(columnCount: 4)
            var rng = SplitMix64(seed: UInt64(t))
            for _ in 0..<1500 {
                let i = Int(rng.next() % UInt64(records.count))
                if (try? reader.read(i, into: &r)) == nil || r != records[i] {
                    failures.lock(); wrong += 1; failures.unlock()
                }
            }
        }
        XCTAssertEqual(wrong, 0)
    }
}
