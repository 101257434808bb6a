import Foundation
import Shards

/// Opens a shard only when a block of it is first needed, and lends each thread its own
/// reader (readers keep per-reader decompression state), so workers decode blocks of the
/// same shard in parallel.
final class ShardReaderPool: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var idle: [ShardReader] = []

    init(path: String) { self.path = path }

    func withReader<T>(_ body: (ShardReader) throws -> T) throws -> T {
        lock.lock()
        let reader: ShardReader
        if let r = idle.popLast() {
            lock.unlock()
            reader = r
        } else {
            lock.unlock()
            reader = try ShardReader(path: path)
        }
        defer { lock.lock(); idle.append(reader); lock.unlock() }
        return try body(reader)
    }
}
