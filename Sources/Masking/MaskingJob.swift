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
    /// Bumped when the instance or masking algorithm changes the bytes for the same config.
    public static let algorithmVersion = "mask-1"
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
        var journal = MaskingJournal.load(from: config.output, configHash: configHash)

        let schema = InstanceSchema.make(vocabularySize: vocabulary.count)
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
        let contexts = (0..<threads).map { _ in
            WorkerContext(config: config, vocabulary: vocabulary, store: documentStore, randomStore: randomStore)
        }
        var summaries: [ShardSummary] = []
        var statistics = InstanceStatistics()
        var reused = 0
        var written = 0
        var documentsDone = 0

        for (k, unit) in units.enumerated() {
            let path = Dataset.shardPath(in: config.output, index: k)
            let metadata = ["config_hash": configHash, "unit": "\(k)",
                            "documents": "\(unit.documents.lowerBound)..<\(unit.documents.upperBound)"]
            if let stats = journal.units["\(k)"],
               let summary = Dataset.reusableShard(at: path, schema: schema, metadata: metadata) {
                summaries.append(summary)
                statistics += stats
                reused += 1
                documentsDone += unit.documents.count
                continue
            }
            if let limit = config.interruptAfterShards, written >= limit {
                // What `kill -9` leaves: a temporary file with part of a shard.
                let w = try ShardWriter(path: path, schema: schema, metadata: metadata)
                _ = Unmanaged.passRetained(w)
                throw MaskingError.interrupted(path: path)
            }
            let writer: ShardWriter
            do { writer = try ShardWriter(path: path, schema: schema, metadata: metadata, compressionLevel: config.compressionLevel,
                                          backgroundCompression: true) } catch let e as ShardError {
                throw MaskingError.shard(e)
            }
            documentStore.release()
            if k % 8 == 0 { randomStore.release() }
            var unitStats = InstanceStatistics()
            do {
                try produce(unit, contexts: contexts, documentCount: documentCount) { batch, batchStats in
                    unitStats += batchStats
                    for i in 0..<batch.count { try append(batch, i, to: writer) }
                    documentsDone += config.documentsPerBatch
                    config.progress?(MaskingProgress(
                        documentsDone: min(documentsDone, documentCount), documentsTotal: documentCount,
                        instances: statistics.instances + unitStats.instances, shardsDone: k, shardsTotal: units.count,
                        seconds: seconds(since: started)))
                }
                summaries.append(try writer.finish())
            } catch {
                writer.abandon()
                throw wrap(error)
            }
            documentsDone = unit.documents.upperBound
            statistics += unitStats
            written += 1
            journal.units["\(k)"] = unitStats
            try journal.save(to: config.output)
        }

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

    /// Builds a unit's instances wave by wave: while the workers fill one wave of batch slots,
    /// the calling thread hands the previous wave, in order, to `consume`.
    static func produce(_ unit: Unit, contexts: [WorkerContext], documentCount: Int,
                        consume: (InstanceBatch, InstanceStatistics) throws -> Void) throws {
        let perBatch = contexts[0].config.documentsPerBatch
        let batches: [Range<Int>] = stride(from: unit.documents.lowerBound, to: unit.documents.upperBound, by: perBatch)
            .map { $0..<min(unit.documents.upperBound, $0 + perBatch) }
        let threads = contexts.count
        let waveSize = 2 * threads
        let waves: [[BatchSlot]] = [(0..<waveSize).map { _ in BatchSlot() }, (0..<waveSize).map { _ in BatchSlot() }]
        let group = DispatchGroup()
        func launch(_ wave: Int, slots: [BatchSlot]) {
            let base = wave * waveSize
            for t in 0..<threads {
                DispatchQueue.global().async(group: group) {
                    let ctx = contexts[t]
                    var j = t
                    while j < waveSize, base + j < batches.count {
                        ctx.fill(slots[j], documents: batches[base + j], documentCount: documentCount)
                        j += threads
                    }
                }
            }
        }
        let waveCount = (batches.count + waveSize - 1) / waveSize
        guard waveCount > 0 else { return }
        launch(0, slots: waves[0])
        group.wait()
        for w in 0..<waveCount {
            let current = waves[w % 2]
            if w + 1 < waveCount { launch(w + 1, slots: waves[(w + 1) % 2]) }
            var failure: Error?
            for j in 0..<waveSize where w * waveSize + j < batches.count {
                if let e = current[j].error { failure = e; break }
                do { try consume(current[j].batch, current[j].statistics) } catch { failure = error; break }
            }
            group.wait()
            if let failure { throw failure }
        }
    }

    /// Writes instance i straight from the batch's flat columns (no per-record arrays).
    static func append(_ b: InstanceBatch, _ i: Int, to writer: ShardWriter) throws {
        let t = b.tokenRange(i), m = b.maskRange(i)
        let hasLabel = b.nextSentenceLabels[i] != .max
        try b.inputIDs.withUnsafeBufferPointer { ids in
            try b.segmentIDs.withUnsafeBufferPointer { segments in
                try b.maskedPositions.withUnsafeBufferPointer { positions in
                    try b.maskedLabels.withUnsafeBufferPointer { labels in
                        try b.nextSentenceLabels.withUnsafeBufferPointer { pairLabels in
                            try writer.append(columnCount: 5) { f in
                                switch f {
                                case 0: UnsafeBufferPointer(rebasing: ids[t])
                                case 1: UnsafeBufferPointer(rebasing: segments[t])
                                case 2: UnsafeBufferPointer(rebasing: positions[m])
                                case 3: UnsafeBufferPointer(rebasing: labels[m])
                                default: UnsafeBufferPointer(rebasing: pairLabels[i..<(hasLabel ? i + 1 : i)])
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func wrap(_ error: Error) -> Error {
        if let e = error as? ShardError { return MaskingError.shard(e) }
        return error
    }

    static func seconds(since t: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e9
    }
}

/// One batch's output, filled by a worker and read by the writer.
final class BatchSlot: @unchecked Sendable {
    var batch = InstanceBatch()
    var statistics = InstanceStatistics()
    var error: Error?
}

/// A worker's own builder and scratch document, and the stores it reads through.
final class WorkerContext: @unchecked Sendable {
    let config: MaskingJobConfiguration
    var builder: InstanceBuilder
    let store: DocumentStore
    let randomStore: DocumentStore
    var document = TokenizedDocument()
    var scratch: ShardRecord
    /// For reads from the shared `store` (its own scratch record is for single-thread use).
    var documentScratch: ShardRecord

    init(config: MaskingJobConfiguration, vocabulary: Vocabulary, store: DocumentStore, randomStore: DocumentStore) {
        self.config = config
        self.store = store
        self.randomStore = randomStore
        scratch = ShardRecord(columnCount: store.manifest.schema.fields.count)
        documentScratch = scratch
        builder = InstanceBuilder(options: config.instances, masking: config.masking, vocabulary: vocabulary,
                                  seed: config.seed)
    }

    func fill(_ slot: BatchSlot, documents: Range<Int>, documentCount: Int) {
        slot.batch.removeAll()
        slot.statistics = InstanceStatistics()
        slot.error = nil
        let store = self.store, randomStore = self.randomStore
        do {
            for d in documents {
                try store.read(d, into: &document, scratch: &documentScratch)
                for c in 0..<config.instances.dupeFactor {
                    try builder.build(document, index: d, copy: c, documentCount: documentCount,
                                      fetch: { i, out in try randomStore.read(i, into: &out, scratch: &self.scratch) },
                                      into: &slot.batch, statistics: &slot.statistics)
                }
            }
        } catch let defect as DocumentDefect {
            let (s, i) = store.locate(defect.document)
            slot.error = MaskingError.corruptDocument(path: store.shardPath(s), record: i, detail: defect.detail)
        } catch {
            slot.error = MaskingJob.wrap(error)
        }
    }
}
