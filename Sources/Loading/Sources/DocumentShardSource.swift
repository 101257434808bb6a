import Foundation
import Shards
import Tokenization

/// A document dataset (`prep tokenize` output) read as packed instances. Opening it scans
/// every document's sentence lengths once (blocks in parallel) to count instances, so the
/// epoch's size and order are known before training starts; a block is one of the shard's
/// blocks of documents, decoded into their instances.
final class DocumentShardSource: RecordSource, @unchecked Sendable {
    let directory: String
    let blockSizes: [Int]
    private let blocks: [ShardBlock]
    private let pools: [ShardReaderPool]
    private let packing: DocumentPacking
    private let classifier: UInt32, separator: UInt32
    private let tokenColumn: Int, sentenceColumn: Int

    init(directory: String, manifest: DatasetManifest, vocabulary: Vocabulary, maxSequenceLength: Int,
         maxBlockRecords: Int?, skipCorrupt: Bool) throws {
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
        let pools = manifest.shards.map {
            ShardReaderPool(path: (directory as NSString).appendingPathComponent($0.file), expectedBytes: $0.bytes)
        }
        self.pools = pools
        let documentBlocks = try ShardBlocks.layout(pools: pools, manifest: manifest, directory: directory,
                                                    maxRecords: maxBlockRecords, skipCorrupt: skipCorrupt)

        // Instances per block, from the documents' sentence lengths (blocks in parallel).
        var sizes = [Int](repeating: 0, count: documentBlocks.count)
        var corrupt = Set<Int>()
        var failure: Error?
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: documentBlocks.count) { b in
            let k = documentBlocks[b]
            do {
                let n: Int = try pools[k.shard].withReader { reader in
                    var record = ShardRecord(columnCount: reader.schema.fields.count)
                    var n = 0
                    for i in k.first..<(k.first + k.count) {
                        try reader.read(i, into: &record)
                        n += packing.instanceCount(sentenceLengths: record.columns[s])
                    }
                    return n
                }
                lock.lock(); sizes[b] = n; lock.unlock()
            } catch ShardError.corrupt(_, _) where skipCorrupt {
                // Counted as one instance so that reading it reports (and skips) the block.
                lock.lock(); sizes[b] = 1; corrupt.insert(b); lock.unlock()
            } catch {
                lock.lock(); if failure == nil { failure = error }; lock.unlock()
            }
        }
        if let failure {
            throw ShardBlocks.translate(failure, block: "\(directory) document pre-scan", shard: directory)
        }
        blocks = documentBlocks
        blockSizes = sizes
    }

    func describe(block b: Int) -> String {
        let k = blocks[b]
        return "\(pools[k.shard].path) documents \(k.first)..<\(k.first + k.count)"
    }

    func decode(block b: Int) throws -> DecodedBlock {
        let k = blocks[b]
        let out = DecodedBlock()
        let empty: [UInt32] = []
        var row: [UInt32] = []
        do {
            try pools[k.shard].withReader { reader in
                var record = ShardRecord(columnCount: reader.schema.fields.count)
                for i in k.first..<(k.first + k.count) {
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
        } catch {
            throw ShardBlocks.translate(error, block: describe(block: b), shard: pools[k.shard].path)
        }
        return out
    }
}
