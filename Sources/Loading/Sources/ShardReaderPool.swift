import Foundation
import Shards

/// Lends each thread its own reader of one shard (a reader serialises its reads), so
/// workers decode blocks of the same shard in parallel. The first reader is opened when
/// the dataset is opened, to learn the shard's block layout; more open on demand.
final class ShardReaderPool: @unchecked Sendable {
    let path: String
    /// The manifest's entry: each reader opened checks the shard is that one (size, digest).
    let summary: ShardSummary?
    private let lock = NSLock()
    private var idle: [ShardReader] = []

    init(path: String, summary: ShardSummary? = nil) {
        self.path = path
        self.summary = summary
    }

    func withReader<T>(_ body: (ShardReader) throws -> T) throws -> T {
        lock.lock()
        let reader: ShardReader
        if let r = idle.popLast() {
            lock.unlock()
            reader = r
        } else {
            lock.unlock()
            reader =
                try summary.map { try ShardReader(path: path, summary: $0, cacheBlocks: 2) }
                ?? ShardReader(path: path, cacheBlocks: 2)
        }
        defer { lock.lock(); idle.append(reader); lock.unlock() }
        return try body(reader)
    }
}

/// A read unit of a shard-backed source: records `first..<first+count` of shard `shard`.
struct ShardBlock {
    var shard: Int
    var first: Int
    var count: Int
}

enum ShardBlocks {
    /// The shards' own compressed blocks, each split into pieces of at most `maxRecords`
    /// when given. A shard that cannot even be opened (bad header, index or footer) becomes
    /// one block that fails when read, so `--skip-corrupt` can skip it like a bad block.
    static func layout(
        pools: [ShardReaderPool], manifest: DatasetManifest, directory: String,
        maxRecords: Int?, skipCorrupt: Bool
    ) throws -> [ShardBlock] {
        var blocks: [ShardBlock] = []
        for (s, pool) in pools.enumerated() {
            let expected = manifest.shards[s].records
            do {
                try pool.withReader { reader in
                    guard reader.recordCount == expected else {
                        throw LoaderError.badDataset(
                            path: pool.path,
                            detail:
                                "shard holds \(reader.recordCount) records, \(Dataset.manifestName) says \(expected)")
                    }
                    for b in 0..<reader.blockCount {
                        let range = reader.recordRange(ofBlock: b)
                        var first = range.lowerBound
                        while first < range.upperBound {
                            let n = min(maxRecords ?? .max, range.upperBound - first)
                            blocks.append(ShardBlock(shard: s, first: first, count: n))
                            first += n
                        }
                    }
                }
            } catch ShardError.corrupt(_, _) where skipCorrupt {
                if expected > 0 { blocks.append(ShardBlock(shard: s, first: 0, count: expected)) }
            } catch let error as ShardError {
                throw LoaderError.reported(error.description)
            }
        }
        return blocks
    }

    /// Maps a shard error met while reading a block to the loader's error.
    static func translate(_ error: Error, block name: String, shard path: String) -> Error {
        guard let e = error as? ShardError else { return error }
        // The shard's own message already names the file, block, records and bytes.
        if case let .corrupt(path, detail) = e { return LoaderError.corruptBlock(block: path, detail: detail) }
        return LoaderError.reported(e.description)
    }
}
