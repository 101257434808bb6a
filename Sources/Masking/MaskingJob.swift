import Dispatch
import Foundation
import Shards
import Tokenization

/// `prep mask`: a document dataset in, an instance dataset out.
///
/// Streaming and bounded: workers read their documents (and NSP's random ones) through the
/// shard index, a wave of `2 × threads` batches is in flight while the previous wave is
/// written, so memory holds a few hundred documents' instances whatever the corpus size.
/// Output shard k always holds the same documents (a fixed run of one input shard), each
/// (document, copy) draws from its own random stream, and batches are written in order:
/// the bytes depend on the config only. Shards are written under temporary names and
/// renamed when complete; a journal records each finished shard's counts; the manifest
/// comes last. A re-run keeps every shard that verifies and carries this config's hash.
public enum MaskingJob {
    /// Bumped when the instance or masking algorithm, or the instance layout, changes the bytes
    /// for the same config (mask-2: instance layout 2, see `InstanceSchema`; masks unchanged).
    public static let algorithmVersion = "mask-2"
    static let journalName = ".mask-journal.json"

    struct Unit {
        var inputShard: Int
        var documents: Range<Int>   // global indices
    }

    public static func run(_ config: MaskingJobConfiguration) throws -> MaskingRunSummary {
        let started = DispatchTime.now()
        try config.validate()
        let fm = FileManager.default
        guard (config.input as NSString).standardizingPath != (config.output as NSString).standardizingPath else {
            throw MaskingError.badInput(path: config.output, detail: "--output must differ from --input")
        }

        // Input: a finished document dataset with the two columns we need.
        let manifest: DatasetManifest
        do { manifest = try Dataset.readManifest(in: config.input) } catch let e as ShardError {
            throw MaskingError.badInput(path: config.input, detail: "not a tokenized dataset: \(e)")
        }
        guard manifest.kind == "documents" else {
            throw MaskingError.badInput(path: config.input, detail:
                "manifest kind is '\(manifest.kind)', expected 'documents' (the output of prep tokenize)")
        }
        guard let tokenColumn = manifest.schema.index(of: "token_ids"),
              let sentenceColumn = manifest.schema.index(of: "sentence_lengths") else {
            throw MaskingError.badInput(path: config.input, detail:
                "schema lacks token_ids / sentence_lengths (has \(manifest.schema.fields.map(\.name)))")
        }
        let (vocabulary, vocabularyPath) = try VocabularyLocator.load(explicit: config.vocabulary,
                                                                      dataset: config.input, identity: manifest.vocab)
        for (name, id) in [("[MASK]", vocabulary.special.mask), ("[CLS]", vocabulary.special.classifier),
                           ("[SEP]", vocabulary.special.separator)] where id == nil {
            throw MaskingError.badInput(path: vocabularyPath, detail: "vocabulary has no \(name) token")
        }

        // Units: fixed runs of documents, never across an input shard.
        var units: [Unit] = []
        var first = 0
        for (s, shard) in manifest.shards.enumerated() {
            var lo = 0
            while lo < shard.records {
                let hi = min(shard.records, lo + config.documentsPerShard)
                units.append(Unit(inputShard: s, documents: (first + lo)..<(first + hi)))
                lo = hi
            }
            first += shard.records
        }
        let documentCount = first

        var settings = config.settings()
        let inputIdentity = manifest.shards.map { "\($0.file):\($0.records):\($0.bytes):\($0.xxh64)" }.joined(separator: ",")
        settings["input"] = (config.input as NSString).standardizingPath
        let hashText = settings.filter { $0.key != "input" }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
            + "\ninput=\(inputIdentity)\nvocab=\(manifest.vocab.sha256):\(vocabulary.count)"
        let configHash = fnv1a64(hashText)
        settings["config_hash"] = configHash

        // Output directory: already complete, resumable, or new.
        do { try fm.createDirectory(atPath: config.output, withIntermediateDirectories: true) } catch {
            throw MaskingError.io(path: config.output, detail: "cannot create output directory: \(error.localizedDescription)")
        }
        if fm.fileExists(atPath: config.output + "/" + Dataset.manifestName) {
            let existing = try? Dataset.readManifest(in: config.output)
            if let existing, existing.config["config_hash"] == configHash,
               let summary = MaskingJournal.summary(from: existing) {
                return MaskingRunSummary(output: config.output, statistics: summary, shards: existing.shards.count,
                                         shardsReused: existing.shards.count, configHash: configHash,
                                         seconds: seconds(since: started))
            }
            throw MaskingError.badInput(path: config.output, detail:
                "already holds a finished dataset made with other settings; remove it or choose another --output")
        }
        Dataset.removeTemporaries(in: config.output)
        let journal = MaskingJournal.load(from: config.output, configHash: configHash)

        let schema = InstanceSchema.make(vocabularySize: vocabulary.count, maxSequenceLength: config.instances.maxSequenceLength,
                                         pairs: config.instances.pairing != .none)
        let threads = config.threads
        func store(cacheBlocks: Int) -> DocumentStore {
            DocumentStore(directory: config.input, manifest: manifest, tokenColumn: tokenColumn,
                          sentenceColumn: sentenceColumn, cacheBlocks: cacheBlocks)
        }
        let randomStore = store(cacheBlocks: max(2, config.randomAccessCacheBlocks / max(1, manifest.shards.count)))
        // One store for the documents being turned into instances, shared by the workers: the
        // batches of a wave lie in the same few input blocks, and a store per worker made each
        // worker decompress every block (a shared reader decompresses it once, under its lock).
        let documentStore = store(cacheBlocks: 2 * threads)
        // Plan: which units are kept from an earlier run, and the batches of the rest, in order.
        var kept: [Int: ShardSummary] = [:]
        var tasks: [MaskingPipeline.Task] = []
        var unitMetadata: [[String: String]] = []
        for (k, unit) in units.enumerated() {
            let metadata = ["config_hash": configHash, "unit": "\(k)",
                            "documents": "\(unit.documents.lowerBound)..<\(unit.documents.upperBound)"]
            unitMetadata.append(metadata)
            if journal.units["\(k)"] != nil,
               let summary = Dataset.reusableShard(at: Dataset.shardPath(in: config.output, index: k), schema: schema,
                                                   metadata: metadata) {
                kept[k] = summary
                continue
            }
            let perBatch = config.documentsPerBatch
            for lo in stride(from: unit.documents.lowerBound, to: unit.documents.upperBound, by: perBatch) {
                tasks.append(.init(unit: k, documents: lo..<min(unit.documents.upperBound, lo + perBatch)))
            }
        }
        // NSP reads random documents from an uncompressed scratch copy (see `RandomDocumentFile`).
        var randomFile: RandomDocumentFile?
        if config.instances.pairing == .nsp && !tasks.isEmpty {
            do { randomFile = try RandomDocumentFile(store: store(cacheBlocks: 2), directory: config.output) } catch {
                throw wrap(error)
            }
        }
        let contexts = (0..<threads).map { _ in
            WorkerContext(config: config, vocabulary: vocabulary, store: documentStore, randomStore: randomStore,
                          randomFile: randomFile)
        }
        // 16 slots per worker (4 before): the writer takes batches in order, so a slow batch (one
        // that decompresses an input block, or whose worker was preempted by the compressors) held
        // the other worker up once it was 4 batches ahead; idle per GB 0.49 -> 0.40 s, +16 MB RSS.
        let pipeline = MaskingPipeline(tasks: tasks, contexts: contexts, slots: 16 * threads,
                                       documentCount: documentCount, schema: schema, path: config.output)
        // Shards are finished (last block, index, fsync, rename, journal) on this queue, in order,
        // while the next shard is being produced.
        let finisher = DispatchQueue(label: "MaskingJob.finish")
        let ledger = Ledger(journal: journal, units: units.count)
        pipeline.start()
        defer {
            pipeline.stop()
            finisher.sync {}
        }

        var reused = 0
        var written = 0
        var documentsDone = 0
        var instancesDone = 0
        var nextTask = 0
        for (k, unit) in units.enumerated() {
            let path = Dataset.shardPath(in: config.output, index: k)
            if let summary = kept[k], let stats = journal.units["\(k)"] {
                finisher.async { ledger.record(k, summary, stats, save: nil) }
                reused += 1
                documentsDone += unit.documents.count
                instancesDone += stats.instances
                continue
            }
            if let limit = config.interruptAfterShards, written >= limit {
                finisher.sync {}
                if let e = ledger.failure { throw wrap(e) }
                // What `kill -9` leaves: a temporary file with part of a shard.
                let w = try ShardWriter(path: path, schema: schema, metadata: unitMetadata[k])
                _ = Unmanaged.passRetained(w)
                throw MaskingError.interrupted(path: path)
            }
            if let e = ledger.failure { throw wrap(e) }
            let writer: ShardWriter
            do { writer = try ShardWriter(path: path, schema: schema, metadata: unitMetadata[k],
                                          compressionLevel: config.compressionLevel, huffmanLiterals: true,
                                          backgroundCompression: true) } catch let e as ShardError {
                throw MaskingError.shard(e)
            }
            documentStore.release()
            if k % 8 == 0 { randomStore.release() }
            var unitStats = InstanceStatistics()
            do {
                while nextTask < tasks.count && tasks[nextTask].unit == k {
                    let slot = pipeline.take(nextTask)
                    if let e = slot.error { throw e }
                    try writer.append(slot.records)
                    unitStats += slot.statistics
                    pipeline.release(nextTask)
                    nextTask += 1
                    documentsDone += config.documentsPerBatch
                    config.progress?(MaskingProgress(
                        documentsDone: min(documentsDone, documentCount), documentsTotal: documentCount,
                        instances: instancesDone + unitStats.instances, shardsDone: k, shardsTotal: units.count,
                        seconds: seconds(since: started)))
                }
            } catch {
                writer.abandon()
                throw wrap(error)
            }
            documentsDone = unit.documents.upperBound
            instancesDone += unitStats.instances
            written += 1
            let output = config.output, stats = unitStats
            finisher.async {
                guard ledger.failure == nil else { writer.abandon(); return }
                do { ledger.record(k, try writer.finish(), stats, save: output) } catch {
                    writer.abandon()
                    ledger.fail(error)
                }
            }
        }
        finisher.sync {}
        if let e = ledger.failure { throw wrap(e) }
        let summaries = ledger.summaries.map { $0! }
        let statistics = ledger.statistics

        // Shards from an earlier run with more units are not part of this dataset.
        let names = Set(summaries.map(\.file))
        for name in (try? fm.contentsOfDirectory(atPath: config.output)) ?? []
        where name.hasSuffix("." + Dataset.shardExtension) && !names.contains(name) {
            try? fm.removeItem(atPath: config.output + "/" + name)
        }

        let vocabCopy = try VocabularyLocator.copy(vocabularyPath, into: config.output, identity: manifest.vocab)
        for (key, value) in MaskingJournal.settings(for: statistics) { settings[key] = value }
        let out = DatasetManifest(formatVersion: DatasetManifest.currentFormatVersion, kind: "instances",
                                  schema: schema, config: settings, vocab: vocabCopy, shards: summaries)
        do { try Dataset.writeManifest(out, to: config.output) } catch let e as ShardError { throw MaskingError.shard(e) }
        try? fm.removeItem(atPath: config.output + "/" + journalName)
        return MaskingRunSummary(output: config.output, statistics: statistics, shards: summaries.count,
                                 shardsReused: reused, configHash: configHash, seconds: seconds(since: started))
    }

    static func wrap(_ error: Error) -> Error {
        if let e = error as? ShardError { return MaskingError.shard(e) }
        return error
    }

    static func seconds(since t: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e9
    }
}

/// A worker's own builder and scratch document, and the stores it reads through.
final class WorkerContext: @unchecked Sendable {
    let config: MaskingJobConfiguration
    var builder: InstanceBuilder
    let store: DocumentStore
    let randomStore: DocumentStore
    let randomFile: RandomDocumentFile?
    let randomScratch = ScratchBuffer()
    /// The batch's documents, read from the shared `store` in one go (its lock taken once per
    /// batch, not per document), and the scratch records they are decoded into.
    var documents: [TokenizedDocument] = []
    var documentScratch: [ShardRecord] = []

    init(config: MaskingJobConfiguration, vocabulary: Vocabulary, store: DocumentStore, randomStore: DocumentStore,
         randomFile: RandomDocumentFile?) {
        self.config = config
        self.randomFile = randomFile
        self.store = store
        self.randomStore = randomStore
        builder = InstanceBuilder(options: config.instances, masking: config.masking, vocabulary: vocabulary,
                                  seed: config.seed)
    }

    /// Builds the instances of `documents` and encodes them into the slot's records (`slot.batch`
    /// is scratch: it holds one document's instances at a time).
    func fill(_ slot: BatchSlot, documents: Range<Int>, documentCount: Int) {
        slot.batch.removeAll()
        slot.records.removeAll()
        slot.statistics = InstanceStatistics()
        slot.error = nil
        let store = self.store, randomStore = self.randomStore, randomFile = self.randomFile
        let randomScratch = self.randomScratch
        do {
            try store.read(documents, into: &self.documents, scratch: &documentScratch)
            for d in documents {
                let document = self.documents[d - documents.lowerBound]
                for c in 0..<config.instances.dupeFactor {
                    try builder.build(document, index: d, copy: c, documentCount: documentCount,
                                      viewer: { i, body in
                                          if let randomFile { return try randomFile.withDocument(i, scratch: randomScratch, body) }
                                          return try randomStore.withDocument(i, body)
                                      },
                                      into: &slot.batch, statistics: &slot.statistics)
                }
                // Encoded document by document, while its instances are still in the cache (the
                // records' bytes are the same as encoding the whole batch at the end).
                try Self.encode(slot.batch, into: slot.records)
                slot.batch.removeAll()
            }
            Self.trim(&self.documents)
        } catch let defect as DocumentDefect {
            let (s, i) = store.locate(defect.document)
            slot.error = MaskingError.corruptDocument(path: store.shardPath(s), record: i, detail: defect.detail)
        } catch {
            slot.error = MaskingJob.wrap(error)
        }
    }

    /// Drops the storage of giant documents (over 1 M tokens), so that the 64 kept buffers hold
    /// ordinary documents: memory stays bounded by one giant document, not 64 of them.
    static func trim(_ documents: inout [TokenizedDocument]) {
        for k in documents.indices where documents[k].tokens.capacity > DocumentStore.keptCapacity {
            documents[k] = TokenizedDocument()
        }
    }

    /// The batch's instances as `InstanceSchema` records, straight from its flat columns.
    static func encode(_ b: InstanceBatch, into records: EncodedRecords) throws {
        let pairs = records.schema.fields.count > 3
        try b.inputIDs.withUnsafeBufferPointer { ids in
            try b.maskedPositions.withUnsafeBufferPointer { positions in
                try b.maskedLabels.withUnsafeBufferPointer { labels in
                    try b.nextSentenceLabels.withUnsafeBufferPointer { pairLabels in
                        try b.segmentBStarts.withUnsafeBufferPointer { bStarts in
                            for i in 0..<b.count {
                                let t = b.tokenRange(i), m = b.maskRange(i)
                                try records.append(column: UnsafeBufferPointer(rebasing: ids[t]))
                                try records.append(column: UnsafeBufferPointer(rebasing: positions[m]))
                                try records.append(column: UnsafeBufferPointer(rebasing: labels[m]))
                                if pairs {
                                    try records.append(column: UnsafeBufferPointer(rebasing: pairLabels[i..<(i + 1)]))
                                    try records.append(column: UnsafeBufferPointer(rebasing: bStarts[i..<(i + 1)]))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What the finisher queue accumulates, in shard order: summaries, statistics, the journal,
/// and the first error a shard's finish met. `failure` may be read from any thread.
final class Ledger: @unchecked Sendable {
    private(set) var summaries: [ShardSummary?]
    private(set) var statistics = InstanceStatistics()
    private var journal: MaskingJournal
    private let lock = NSLock()
    private var error: Error?

    init(journal: MaskingJournal, units: Int) {
        self.journal = journal
        summaries = Array(repeating: nil, count: units)
    }

    var failure: Error? { lock.lock(); defer { lock.unlock() }; return error }

    func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }

    /// Shard k is done: kept (`save` nil) or just finished (journal rewritten in `save`).
    func record(_ k: Int, _ summary: ShardSummary, _ stats: InstanceStatistics, save directory: String?) {
        summaries[k] = summary
        statistics += stats
        guard let directory else { return }
        journal.units["\(k)"] = stats
        do { try journal.save(to: directory) } catch { fail(error) }
    }
}
