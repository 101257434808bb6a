import Foundation
import Masking
import Shards
import Tokenization

/// A document dataset (`prep tokenize` output) read as pretraining instances, built by the
/// masking module's `InstanceBuilder` — the packing `prep mask` does (full sentences or
/// NSP/SOP pairs, short sequences, long sentences split, nothing silently dropped).
///
/// The builder's randomness is keyed by (seed, document), not by epoch, so each document
/// yields the same instances every epoch and the epoch's size is known up front: opening
/// the dataset builds every block once (in parallel) just to count its instances. Masks
/// are then redrawn per epoch by the loader's dynamic masking.
final class DocumentShardSource: RecordSource, @unchecked Sendable {
    let directory: String
    private(set) var blockSizes: [Int]
    private let blocks: [ShardBlock]
    private let pools: [ShardReaderPool]
    /// First dataset document index of each shard.
    private let shardStarts: [Int]
    private let documentCount: Int
    private let instanceOptions: InstanceOptions
    private let masking: MaskingOptions
    private let vocabulary: Vocabulary
    private let seed: UInt64
    private let tokenColumn: Int, sentenceColumn: Int

    init(
        directory: String, manifest: DatasetManifest, vocabulary: Vocabulary, instances: InstanceOptions,
        masking: MaskingOptions, seed: UInt64, maxBlockRecords: Int?, skipCorrupt: Bool
    ) throws {
        self.directory = directory
        guard let t = manifest.schema.index(of: DocumentSchema.Column.tokenIDs),
            let s = manifest.schema.index(of: DocumentSchema.Column.sentenceLengths)
        else {
            throw LoaderError.badDataset(
                path: directory, detail: "document schema needs token_ids and sentence_lengths")
        }
        guard vocabulary.special.classifier != nil, vocabulary.special.separator != nil else {
            throw LoaderError.badDataset(path: vocabulary.path, detail: "vocabulary lacks [CLS] or [SEP]")
        }
        guard instances.maxSequenceLength >= 8 else {
            throw LoaderError.invalidOptions("max sequence length must be at least 8")
        }
        tokenColumn = t; sentenceColumn = s
        var instances = instances
        instances.dupeFactor = 1
        instanceOptions = instances
        self.masking = masking
        self.vocabulary = vocabulary
        self.seed = seed
        var starts: [Int] = [], base = 0
        for shard in manifest.shards { starts.append(base); base += shard.records }
        shardStarts = starts
        documentCount = base
        pools = manifest.shards.map {
            ShardReaderPool(path: (directory as NSString).appendingPathComponent($0.file), summary: $0)
        }
        let documentBlocks = try ShardBlocks.layout(
            pools: pools, manifest: manifest, directory: directory,
            maxRecords: maxBlockRecords, skipCorrupt: skipCorrupt)
        blocks = documentBlocks
        blockSizes = []

        // Instances per block: build each block once, in parallel.
        var sizes = [Int](repeating: 0, count: documentBlocks.count)
        var failure: Error?
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: documentBlocks.count) { b in
            do {
                let n = try self.build(block: b).count
                lock.lock(); sizes[b] = n; lock.unlock()
            } catch LoaderError.corruptBlock(_, _) where skipCorrupt {
                // One placeholder sample, so that reading it reports (and skips) the block.
                lock.lock(); sizes[b] = 1; lock.unlock()
            } catch {
                lock.lock(); if failure == nil { failure = error }; lock.unlock()
            }
        }
        if let failure { throw failure }
        blockSizes = sizes
    }

    func describe(block b: Int) -> String {
        let k = blocks[b]
        return "\(pools[k.shard].path) documents \(k.first)..<\(k.first + k.count)"
    }

    func read(block b: Int) throws -> SampleBlock { BuiltInstances(try build(block: b)) }

    /// The instances of block `b`'s documents, as `prep mask` would build them with this seed.
    private func build(block b: Int) throws -> InstanceBatch {
        let k = blocks[b]
        var builder = InstanceBuilder(options: instanceOptions, masking: masking, vocabulary: vocabulary, seed: seed)
        var batch = InstanceBatch()
        var statistics = InstanceStatistics()
        var document = TokenizedDocument()
        let fetch: InstanceBuilder.DocumentFetcher = { [self] index, into in
            let shard = (shardStarts.lastIndex { $0 <= index }) ?? 0
            try read(shard: shard, record: index - shardStarts[shard], into: &into)
        }
        do {
            for i in k.first..<(k.first + k.count) {
                try read(shard: k.shard, record: i, into: &document)
                try builder.build(
                    document, index: shardStarts[k.shard] + i, copy: 0, documentCount: documentCount,
                    fetch: fetch, into: &batch, statistics: &statistics)
            }
        } catch let error as ShardError {
            throw ShardBlocks.translate(error, block: describe(block: b), shard: pools[k.shard].path)
        } catch let error as LoaderError {
            throw error
        } catch {
            throw LoaderError.badDataset(path: describe(block: b), detail: "\(error)")
        }
        return batch
    }

    /// Document `record` of `shard`, widened straight from its decompressed block into
    /// `document`'s arrays (their storage reused).
    private func read(shard: Int, record: Int, into document: inout TokenizedDocument) throws {
        try pools[shard].withReader { reader in
            try reader.withRecord(record) { r in
                let tokens = r.column(tokenColumn), sentences = r.column(sentenceColumn)
                tokens.copy(0..<tokens.count, into: &document.tokens)
                sentences.copy(0..<sentences.count, into: &document.sentenceLengths)
            }
        }
    }
}
