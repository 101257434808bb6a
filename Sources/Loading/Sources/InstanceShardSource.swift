import Foundation
import Shards

/// An instance dataset (`prep mask` output) as blocks of `blockRecords` consecutive records
/// of one shard. Blocks never straddle shards, so a block is one sequential read.
final class InstanceShardSource: RecordSource, @unchecked Sendable {
    let directory: String
    let manifest: DatasetManifest
    let blockSizes: [Int]
    private let blocks: [(shard: Int, first: Int, count: Int)]
    private let pools: [ShardReaderPool]
    private let columns: (ids: Int, segments: Int?, positions: Int?, labels: Int?, pair: Int?)

    init(directory: String, manifest: DatasetManifest, blockRecords: Int) throws {
        self.directory = directory
        self.manifest = manifest
        let schema = manifest.schema
        guard let ids = schema.index(of: "input_ids") else {
            throw LoaderError.badDataset(path: directory, detail: "instance schema has no input_ids column")
        }
        columns = (ids, schema.index(of: "segment_ids"), schema.index(of: "masked_positions"),
                   schema.index(of: "masked_labels"), schema.index(of: "next_sentence_label"))
        var blocks: [(Int, Int, Int)] = []
        for (s, shard) in manifest.shards.enumerated() {
            var first = 0
            while first < shard.records {
                let n = min(blockRecords, shard.records - first)
                blocks.append((s, first, n))
                first += n
            }
        }
        self.blocks = blocks
        blockSizes = blocks.map { $0.2 }
        pools = manifest.shards.map { ShardReaderPool(path: (directory as NSString).appendingPathComponent($0.file)) }
    }

    func describe(block b: Int) -> String {
        let (s, first, n) = blocks[b]
        return "\(pools[s].path) records \(first)..<\(first + n)"
    }

    func decode(block b: Int) throws -> DecodedBlock {
        let (s, first, n) = blocks[b]
        let out = DecodedBlock()
        do {
            try pools[s].withReader { reader in
                if reader.recordCount != manifest.shards[s].records {
                    throw LoaderError.badDataset(path: pools[s].path,
                        detail: "shard holds \(reader.recordCount) records, manifest says \(manifest.shards[s].records)")
                }
                var record = ShardRecord(columnCount: reader.schema.fields.count)
                let empty: [UInt32] = []
                for i in first..<(first + n) {
                    try reader.read(i, into: &record)
                    let c = record.columns
                    let pair = columns.pair.flatMap { c[$0].first }.map { Int8(truncatingIfNeeded: $0) } ?? -1
                    out.append(tokens: c[columns.ids], segments: columns.segments.map { c[$0] },
                               maskedPositions: columns.positions.map { c[$0] } ?? empty,
                               maskedLabels: columns.labels.map { c[$0] } ?? empty, nextSentenceLabel: pair)
                }
            }
        } catch let error as ShardError {
            if case .corrupt = error { throw LoaderError.corruptBlock(block: describe(block: b), detail: error.description) }
            throw LoaderError.badDataset(path: pools[s].path, detail: error.description)
        }
        return out
    }
}
