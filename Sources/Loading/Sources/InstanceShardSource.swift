import Foundation
import Shards

/// An instance dataset (`prep mask` output) read block by block: a block is one of the
/// shard's compressed blocks (or a piece of it), decompressed and checksum-verified once
/// and kept decompressed while its samples are read.
final class InstanceShardSource: RecordSource, @unchecked Sendable {
    let directory: String
    let blockSizes: [Int]
    private let blocks: [ShardBlock]
    private let pools: [ShardReaderPool]
    private let columns: StoredInstances.Columns

    init(directory: String, manifest: DatasetManifest, maxBlockRecords: Int?, skipCorrupt: Bool) throws {
        self.directory = directory
        do { columns = try StoredInstances.Columns(manifest.schema) } catch LoaderError.badDataset(_, let detail) {
            throw LoaderError.badDataset(path: directory, detail: detail)
        }
        pools = manifest.shards.map {
            ShardReaderPool(path: (directory as NSString).appendingPathComponent($0.file), summary: $0)
        }
        blocks = try ShardBlocks.layout(
            pools: pools, manifest: manifest, directory: directory,
            maxRecords: maxBlockRecords, skipCorrupt: skipCorrupt)
        blockSizes = blocks.map(\.count)
    }

    func describe(block b: Int) -> String {
        let k = blocks[b]
        return "\(pools[k.shard].path) records \(k.first)..<\(k.first + k.count)"
    }

    func read(block b: Int) throws -> SampleBlock {
        let k = blocks[b]
        do {
            let contents = try pools[k.shard].withReader { try $0.contents(ofRecords: k.first..<(k.first + k.count)) }
            return StoredInstances(contents, columns: columns)
        } catch {
            throw ShardBlocks.translate(error, block: describe(block: b), shard: pools[k.shard].path)
        }
    }
}
