import Foundation
import Shards
import Tokenization

/// A document dataset (`prep tokenize` output) read as packed instances. Opening it scans
/// every document's sentence lengths once (in parallel over shards) to count instances;
/// a block is a run of consecutive documents of one shard, decoded into its instances.
final class DocumentShardSource: RecordSource, @unchecked Sendable {
    let directory: String
    let blockSizes: [Int]
    private let blocks: [(shard: Int, first: Int, count: Int)]
    private let pools: [ShardReaderPool]
    private let packing: DocumentPacking
    private let classifier: UInt32, separator: UInt32
    private let tokenColumn: Int, sentenceColumn: Int

    init(directory: String, manifest: DatasetManifest, vocabulary: Vocabulary, maxSequenceLength: Int,
         blockRecords: Int, threads: Int) throws {
        self.directory = directory
        guard let t = manifest.schema.index(of: "token_ids"), let s = manifest.schema.index(of: "sentence_lengths") else {
            throw LoaderError.badDataset(path: directory, detail: "document schema needs token_ids and sentence_lengths")
        }
        guard let cls = vocabulary.special.classifier, let sep = vocabulary.special.separator else {
            throw LoaderError.badDataset(path: vocabulary.path, detail: "vocabulary lacks [CLS] or [SEP]")
        }
        tokenColumn = t; sentenceColumn = s
        classifier = UInt32(cls); separator = UInt32(sep)
        let packing = DocumentPacking(maxSequenceLength: maxSequenceLength)
        self.packing = packing
        let pools = manifest.shards.map { ShardReaderPool(path: (directory as NSString).appendingPathComponent($0.file)) }
        self.pools = pools
        let docsPerBlock = max(1, blockRecords / 4)

        // Instance counts per document, shard by shard.
        var counts = [[Int]](repeating: [], count: manifest.shards.count)
        var failure: Error?
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: manifest.shards.count) { shard in
            do {
                let c: [Int] = try pools[shard].withReader { reader in
                    var record = ShardRecord(columnCount: reader.schema.fields.count)
                    var out: [Int] = []
                    out.reserveCapacity(reader.recordCount)
                    for i in 0..<reader.recordCount {
                        try reader.read(i, into: &record)
                        out.append(packing.instanceCount(sentenceLengths: record.columns[s]))
                    }
                    return out
                }
                lock.lock(); counts[shard] = c; lock.unlock()
            } catch {
                lock.lock(); if failure == nil { failure = error }; lock.unlock()
            }
        }
        if let failure {
            if let e = failure as? ShardError { throw LoaderError.badDataset(path: directory, detail: e.description) }
            throw failure
        }
        var blocks: [(Int, Int, Int)] = [], sizes: [Int] = []
        for (shard, c) in counts.enumerated() {
            var first = 0
            while first < c.count {
                let n = min(docsPerBlock, c.count - first)
                blocks.append((shard, first, n))
                sizes.append(c[first..<(first + n)].reduce(0, +))
                first += n
            }
        }
        self.blocks = blocks
        blockSizes = sizes
    }

    func describe(block b: Int) -> String {
        let (s, first, n) = blocks[b]
        return "\(pools[s].path) documents \(first)..<\(first + n)"
    }

    func decode(block b: Int) throws -> DecodedBlock {
        let (s, first, n) = blocks[b]
        let out = DecodedBlock()
        let empty: [UInt32] = []
        var row: [UInt32] = []
        do {
            try pools[s].withReader { reader in
                var record = ShardRecord(columnCount: reader.schema.fields.count)
                for i in first..<(first + n) {
                    try reader.read(i, into: &record)
                    let tokens = record.columns[tokenColumn]
                    packing.pack(sentenceLengths: record.columns[sentenceColumn]) { range in
                        row.removeAll(keepingCapacity: true)
                        row.append(classifier)
                        row.append(contentsOf: tokens[range.clamped(to: tokens.indices)])
                        row.append(separator)
                        out.append(tokens: row, segments: nil as [UInt32]?, maskedPositions: empty, maskedLabels: empty,
                                   nextSentenceLabel: -1)
                    }
                }
            }
        } catch let error as ShardError {
            if case .corrupt = error { throw LoaderError.corruptBlock(block: describe(block: b), detail: error.description) }
            throw LoaderError.badDataset(path: pools[s].path, detail: error.description)
        }
        return out
    }
}
