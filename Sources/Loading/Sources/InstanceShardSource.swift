import Foundation
import Shards

/// An instance dataset (`prep mask` output) read block by block: a block is one of the
/// shard's compressed blocks (or a piece of it), decompressed and checksum-verified once
/// and read sequentially.
final class InstanceShardSource: RecordSource, @unchecked Sendable {
    let directory: String
    let blockSizes: [Int]
    private let blocks: [ShardBlock]
    private let pools: [ShardReaderPool]
    /// Column indices; `segments` (layout 1, one per token) or `segmentBStart` (layout 2, one
    /// per instance) give the token types, see `InstanceSchema`.
    private let columns: (ids: Int, segments: Int?, segmentBStart: Int?, positions: Int?, labels: Int?, pair: Int?)

    init(directory: String, manifest: DatasetManifest, maxBlockRecords: Int?, skipCorrupt: Bool) throws {
        self.directory = directory
        let schema = manifest.schema
        guard let ids = schema.index(of: InstanceSchema.Column.inputIDs) else {
            throw LoaderError.badDataset(path: directory, detail: "instance schema has no input_ids column")
        }
        columns = (ids, schema.index(of: InstanceSchema.Column.segmentIDs), schema.index(of: InstanceSchema.Column.segmentBStart), schema.index(of: InstanceSchema.Column.maskedPositions),
                   schema.index(of: InstanceSchema.Column.maskedLabels), schema.index(of: InstanceSchema.Column.nextSentenceLabel))
        pools = manifest.shards.map {
            ShardReaderPool(path: (directory as NSString).appendingPathComponent($0.file), expectedBytes: $0.bytes)
        }
        blocks = try ShardBlocks.layout(pools: pools, manifest: manifest, directory: directory,
                                        maxRecords: maxBlockRecords, skipCorrupt: skipCorrupt)
        blockSizes = blocks.map(\.count)
    }

    func describe(block b: Int) -> String {
        let k = blocks[b]
        return "\(pools[k.shard].path) records \(k.first)..<\(k.first + k.count)"
    }

    func decode(block b: Int) throws -> DecodedBlock {
        let k = blocks[b]
        let out = DecodedBlock()
        let empty: [UInt32] = []
        do {
            try pools[k.shard].withReader { reader in
                var record = ShardRecord(columnCount: reader.schema.fields.count)
                for i in k.first..<(k.first + k.count) {
                    try reader.read(i, into: &record)
                    let c = record.columns
                    let pair = columns.pair.flatMap { c[$0].first }.map { Int8(truncatingIfNeeded: $0) } ?? -1
                    if let s = columns.segmentBStart {
                        out.append(tokens: c[columns.ids], segmentBStart: c[s].first.map { Int($0) } ?? Int.max,
                                   maskedPositions: columns.positions.map { c[$0] } ?? empty,
                                   maskedLabels: columns.labels.map { c[$0] } ?? empty, nextSentenceLabel: pair)
                    } else {
                        out.append(tokens: c[columns.ids], segments: columns.segments.map { c[$0] },
                                   maskedPositions: columns.positions.map { c[$0] } ?? empty,
                                   maskedLabels: columns.labels.map { c[$0] } ?? empty, nextSentenceLabel: pair)
                    }
                }
            }
        } catch {
            throw ShardBlocks.translate(error, block: describe(block: b), shard: pools[k.shard].path)
        }
        return out
    }
}
