import Foundation

/// Records of a whole dataset by global index (shards in manifest order). Shards are
/// opened on first use with the size the manifest records, so a truncated or swapped
/// shard fails on open with both sizes in the message; each shard's record count is
/// checked against the manifest.
///
/// Thread safety: `read` may be called from several threads (shard readers lock
/// internally; opening is under a lock). For parallel decoding give each thread its own
/// `DatasetReader`.
final class DatasetReader: @unchecked Sendable {
    let directory: String
    let manifest: DatasetManifest
    /// `recordStarts[k]` is the global index of shard k's first record; last entry = total.
    let recordStarts: [Int]
    private var readers: [ShardReader?]
    private let lock = NSLock()
    private let cacheBlocks: Int

    init(directory: String, cacheBlocks: Int = 4) throws {
        self.directory = directory
        manifest = try Dataset.readManifest(in: directory)
        var starts = [0]
        for s in manifest.shards { starts.append(starts.last! + s.records) }
        recordStarts = starts
        readers = Array(repeating: nil, count: manifest.shards.count)
        self.cacheBlocks = cacheBlocks
    }

    var recordCount: Int { recordStarts.last! }
    var schema: ShardSchema { manifest.schema }

    /// (shard number, index within the shard) of global record `index`. O(log shards).
    func location(of index: Int) -> (shard: Int, record: Int) {
        precondition(index >= 0 && index < recordCount, "record \(index) out of range 0..<\(recordCount)")
        var lo = 0, hi = manifest.shards.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if recordStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return (lo, index - recordStarts[lo])
    }

    /// The reader of shard `k`, opened and checked against the manifest on first use.
    func shard(_ k: Int) throws -> ShardReader {
        lock.lock()
        defer { lock.unlock() }
        if let r = readers[k] { return r }
        let s = manifest.shards[k]
        let path = (directory as NSString).appendingPathComponent(s.file)
        let r = try ShardReader(path: path, summary: s, cacheBlocks: cacheBlocks)
        guard r.recordCount == s.records else {
            throw ShardError.corrupt(
                path: path, detail: "shard holds \(r.recordCount) records, manifest says \(s.records)")
        }
        guard r.schema == manifest.schema else {
            throw ShardError.schemaMismatch(path: path, detail: "shard schema differs from the manifest's")
        }
        readers[k] = r
        return r
    }

    func read(_ index: Int, into record: inout ShardRecord) throws {
        guard index >= 0, index < recordCount else {
            throw ShardError.invalidDataset(
                path: directory, detail: "record \(index) is out of range (dataset has \(recordCount) records)")
        }
        let (k, i) = location(of: index)
        try shard(k).read(i, into: &record)
    }
}
