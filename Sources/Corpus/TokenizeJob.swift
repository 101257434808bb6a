// `prep tokenize`: corpus → document shards + manifest.json (what `prep mask` reads).
import Foundation
import Shards
import Tokenization

public struct TokenizeJob {
    public var vocabularyPath: String
    public var inputs: [String]
    public var outputDirectory: String
    /// `nil`: each input's format from its name (`.jsonl[.zst]` is JSONL, else text).
    public var format: InputFormat? = nil
    public var threads = 1
    public var normalizer = NormalizerOverrides()
    public var onInvalid = InvalidUTF8Policy.replace
    /// Chooses the files of directory inputs by name (fnmatch); `nil`: text and JSONL extensions.
    public var glob: String? = nil
    /// With `.replace`, a file whose invalid UTF-8 bytes exceed this fraction of its bytes is refused.
    public var maxInvalidUTF8 = InvalidUTF8Threshold.defaultFraction
    /// JSONL: the members a document's text is read from.
    public var textFields = TextFields.default
    /// Tokens per shard before a new one starts.
    public var shardTokens = 128 << 20
    /// Work unit size (bytes of text); does not change the output.
    public var chunkBytes = 1 << 20
    /// Documents with more text than this are split into consecutive documents.
    public var maxDocumentBytes = 16 << 20
    /// `--partition I/N`: tokenize only part I's share of the input bytes (`InputSplit`), into a
    /// complete dataset of its own; `prep merge` joins the parts. Nil: all of it.
    public var partition: Partition? = nil
    /// Called with the input bytes done (of all inputs' bytes) after each chunk is written.
    public var progress: ((ProgressEvent) -> Void)?
    /// Test hook: fail as if killed after writing this many chunks in this run.
    var interruptAfterChunks: Int?

    public init(vocabularyPath: String, inputs: [String], outputDirectory: String) {
        self.vocabularyPath = vocabularyPath; self.inputs = inputs; self.outputDirectory = outputDirectory
    }

    public struct Summary: Codable, Equatable {
        public var inputBytes = 0
        public var documents = 0
        public var sentences = 0
        public var tokens = 0
        public var shards = 0
        public var seconds = 0.0
        public var megabytesPerSecond = 0.0
        public var replacedInvalidUTF8 = 0
        public var droppedEmptySentences = 0
        public var splitDocuments = 0
        public var cutLines = 0
        /// Shards kept from an interrupted earlier run with the same settings and inputs.
        public var resumedShards = 0
        public var output = ""
        public var warnings: [String] = []
    }

    /// What the journal records with each finished shard: where the input stands after it
    /// (chunks read; shards end at chunk boundaries) and the counts so far.
    struct ResumePoint: Codable, Sendable {
        var chunks = 0
        var documents = 0
        var sentences = 0
        var tokens = 0
        /// Of the documents so far.
        var digest = DocumentStreamDigest()
    }

    /// The manifest's `config` key of the document stream's digest (`DocumentStreamDigest`):
    /// what `prep mask` identifies its input by, the same for a merged dataset as for the single run.
    public static let digestKey = "documents_digest"
    /// A part's manifest: the part's config hash (a finished part is kept, not rebuilt) and its
    /// counts (`summary`), both dropped by `prep merge`.
    public static let partConfigHashKey = "config_hash"
    public static let partSummaryKey = "summary"

    /// What a part's manifest records of its counts (a re-run of a finished part reports them).
    struct PartCounts: Codable {
        var documents = 0
        var sentences = 0
        var tokens = 0
    }

    /// Each shard's metadata key of the config hash; a finished dataset of other settings is
    /// recognised by it and refused (the manifest does not record the hash).
    static let configHashKey = "config_sha256"

    public func run() throws -> Summary {
        let vocabularyFile = try VocabularyFile(path: vocabularyPath)
        let vocabulary = vocabularyFile.vocabulary
        var summary = Summary()
        if let w = vocabulary.duplicateWarning { summary.warnings.append(w) }
        let options = normalizer.apply(to: vocabulary)
        let tokenizer = BertTokenizer(vocabulary: vocabulary, normalizer: options)
        // A directory stands for its files, so it gives what listing them would.
        let inputs = try InputFiles.expand(self.inputs, glob: glob)
        let allBytes = try InputFiles.totalSize(of: inputs)
        var totalBytes = allBytes
        var slices = inputs.map { InputSlice(path: $0, range: nil) }
        var partBytes = 0..<allBytes
        if let partition {
            (slices, partBytes) = try InputSplit.slices(
                of: inputs, formats: inputs.map { format ?? InputFormat.detect(path: $0) }, partition: partition)
            totalBytes = partBytes.count
        }

        // Everything that determines the output bytes; never the thread count.
        var config: [String: String] = [
            "command": "tokenize",
            "inputs": inputs.map { ($0 as NSString).lastPathComponent }.joined(separator: ","),
            "format": format?.rawValue ?? "auto",
            "lowercase": String(options.lowercase),
            "strip_accents": String(options.effectiveStripAccents),
            "clean_text": String(options.cleanText),
            "handle_chinese_chars": String(options.handleChineseChars),
            "unicode": options.unicode.rawValue,
            "normalization": options.preNormalization.rawValue,
            "max_document_bytes": String(maxDocumentBytes),
            "reference": "tokenizers 0.23.3 BertWordPieceTokenizer",
        ]
        // Recorded only when chosen, so the default's manifests and config hashes stay as they were.
        if textFields != .default { config["text_fields"] = textFields.description }
        // Output bytes depend on these and on the input files, never on the thread count.
        var settings = config
        settings["vocab_sha256"] = vocabularyFile.identity.sha256
        settings["shard_tokens"] = String(shardTokens)
        settings["chunk_bytes"] = String(chunkBytes)
        settings["on_invalid"] = onInvalid.rawValue
        let identities = inputs.map { (key: "input", value: Self.identity(of: $0)) }
        let singleRunHash = ConfigurationHash.sha256(settings: settings, identities: identities)
        var configHash = singleRunHash
        if let partition {
            // A part's own hash, so a directory of part 0 is never taken for part 1's.
            settings[PartitionedRun.partitionKey] = partition.description
            configHash = ConfigurationHash.sha256(settings: settings, identities: identities)
        }
        let output: ResumableShardedOutput<ResumePoint>
        do {
            // A finished part is kept (a re-run is a no-op, as for mask parts); a finished single
            // run is rebuilt, as it always was (its manifest does not record the hash).
            output = try ResumableShardedOutput(
                directory: outputDirectory, configHash: configHash,
                ifFinished: partition == nil
                    ? .rebuildSame(shardMetadataKey: Self.configHashKey) : .keep(configKey: Self.partConfigHashKey))
        } catch let ShardError.io(path, detail) {
            throw TokenizationError.output(path: path, detail: detail)
        }
        if let finished = output.finishedManifest {
            let counts = finished.config[Self.partSummaryKey].flatMap {
                try? JSONDecoder().decode(PartCounts.self, from: Data($0.utf8))
            }
            summary.inputBytes = 0
            summary.documents = counts?.documents ?? finished.totalRecords
            summary.sentences = counts?.sentences ?? 0
            summary.tokens = counts?.tokens ?? 0
            summary.shards = finished.shards.count
            summary.resumedShards = finished.shards.count
            summary.output = outputDirectory
            return summary
        }
        let metadata = [
            "kind": "documents", "vocab_sha256": vocabularyFile.identity.sha256, Self.configHashKey: configHash,
        ]
        let schema = DocumentSchema.make(vocabularySize: vocabulary.count)

        // Resume after the shards a previous, interrupted run finished (verified in full).
        var kept: [ShardSummary] = []
        var resumePoint = ResumePoint()
        while let shard = output.reusableShard(kept.count, schema: schema, metadata: metadata) {
            kept.append(shard.summary)
            resumePoint = shard.state
        }
        summary.resumedShards = kept.count
        let sink = DocumentShardSink(
            directory: outputDirectory, vocabularySize: vocabulary.count,
            metadata: metadata, shardTokens: shardTokens, resumingAfter: kept,
            counts: (resumePoint.documents, resumePoint.sentences, resumePoint.tokens), digest: resumePoint.digest)
        let chunker = DocumentChunker(
            slices: slices, format: format, chunkBytes: chunkBytes,
            maxDocumentBytes: maxDocumentBytes, onInvalid: onInvalid,
            maxInvalidFraction: maxInvalidUTF8, textFields: textFields)
        let started = DispatchTime.now()
        let encoders = EncoderPool()
        let pipeline = OrderedPipeline<DocumentChunk, TokenizedChunk>(threads: threads) {
            let encoder = try tokenizer.makeEncoder()
            encoders.add(encoder)
            return { encoder.tokenize($0) }
        }
        var written = 0
        var dropped = 0
        var chunksWritten = resumePoint.chunks
        var skip = resumePoint.chunks
        let resumedChunks = resumePoint.chunks
        do {
            // Chunks of finished shards are read (chunk boundaries depend on what came
            // before) but not tokenized.
            while skip > 0, let chunk = try chunker.next() { skip -= 1; written += chunk.inputBytes }
            try pipeline.run(
                produce: { try chunker.next() },
                consume: { chunk in
                    let finished = try sink.write(chunk)
                    chunksWritten += 1
                    written += chunk.inputBytes
                    dropped += chunk.sentencesDropped
                    if let finished {
                        try output.recordFinishedShard(
                            sink.summaries.count - 1, summary: finished,
                            state: ResumePoint(
                                chunks: chunksWritten, documents: sink.documents, sentences: sink.sentences,
                                tokens: sink.tokens, digest: sink.digest))
                    }
                    progress?(ProgressEvent(completed: written, total: totalBytes, unit: .bytes))
                    if let k = interruptAfterChunks, chunksWritten - resumedChunks >= k, finished != nil {
                        throw TokenizationError.output(path: outputDirectory, detail: "interrupted (test)")
                    }
                })
            let shards = try sink.finish()
            summary.shards = shards.count
            // The vocabulary travels with the data, under the name the manifest records, so
            // later commands need no --vocab; written before the manifest like every shard.
            try vocabularyFile.store(readFrom: vocabularyPath, as: vocabularyFile.identity.file, in: output)
            config[Self.digestKey] = sink.digest.description
            if let partition {
                config[PartitionedRun.partitionKey] = partition.description
                // A part's units are bytes of the inputs laid end to end: `prep merge` checks that
                // the parts' ranges follow each other and cover them all.
                config[PartitionedRun.unitsKey] = "\(partBytes.lowerBound)..<\(partBytes.upperBound)"
                config[PartitionedRun.totalUnitsKey] = String(allBytes)
                config[PartitionedRun.shardConfigHashKey] = singleRunHash
                let counts = PartCounts(documents: sink.documents, sentences: sink.sentences, tokens: sink.tokens)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                config[Self.partSummaryKey] = String(decoding: try encoder.encode(counts), as: UTF8.self)
            }
            try output.finish(
                DatasetManifest(
                    formatVersion: DatasetManifest.currentFormatVersion, kind: "documents",
                    schema: sink.schema, config: config, vocab: vocabularyFile.identity, shards: shards))
        } catch let e as ShardError {
            sink.abandon()
            throw TokenizationError.output(path: outputDirectory, detail: e.description)
        } catch {
            sink.abandon()
            throw error
        }
        summary.inputBytes = chunker.consumedFileBytes
        summary.documents = sink.documents
        summary.sentences = sink.sentences
        summary.tokens = sink.tokens
        summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        summary.megabytesPerSecond = Double(summary.inputBytes) / 1e6 / max(summary.seconds, 1e-9)
        summary.replacedInvalidUTF8 = encoders.replaced
        summary.droppedEmptySentences = dropped
        summary.splitDocuments = chunker.splitDocuments
        summary.cutLines = chunker.cutLines
        summary.output = outputDirectory
        if summary.replacedInvalidUTF8 > 0 {
            summary.warnings.append(
                "warning: replaced \(summary.replacedInvalidUTF8) invalid UTF-8 sequence(s) with U+FFFD (use --on-invalid fail to stop instead)"
            )
        }
        if summary.splitDocuments > 0 {
            summary.warnings.append(
                "warning: split \(summary.splitDocuments) document(s) longer than \(maxDocumentBytes) bytes into consecutive documents"
            )
        }
        return summary
    }

    /// An input file's identity for the config hash: path, size and modification time, so
    /// that a re-run over an edited input does not keep shards made from the old one.
    static func identity(of input: String) -> String {
        // Standard input cannot be compared with an earlier run's, so its shards are never reused.
        if input == "-" { return "<stdin> \(UUID().uuidString)" }
        let attributes = try? FileManager.default.attributesOfItem(atPath: input)
        let size = (attributes?[.size] as? Int) ?? -1
        let mtime = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
        return "\((input as NSString).standardizingPath) size=\(size) mtime=\(mtime)"
    }
}

/// The per-thread encoders of a job, to sum their counters at the end.
private final class EncoderPool: @unchecked Sendable {
    private let lock = NSLock()
    private var encoders: [BertEncoder] = []
    func add(_ e: BertEncoder) { lock.lock(); encoders.append(e); lock.unlock() }
    var replaced: Int {
        lock.lock(); defer { lock.unlock() }; return encoders.reduce(0) { $0 + $1.replacedInvalidSequences }
    }
}
