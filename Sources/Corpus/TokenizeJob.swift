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
        let totalBytes = try InputFiles.totalSize(of: inputs)

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
        let configHash = ConfigurationHash.sha256(
            settings: settings, identities: inputs.map { ("input", Self.identity(of: $0)) })
        let output: ResumableShardedOutput<ResumePoint>
        do {
            output = try ResumableShardedOutput(
                directory: outputDirectory, configHash: configHash,
                ifFinished: .rebuildSame(shardMetadataKey: Self.configHashKey))
        } catch let ShardError.io(path, detail) {
            throw TokenizationError.output(path: path, detail: detail)
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
            counts: (resumePoint.documents, resumePoint.sentences, resumePoint.tokens))
        let chunker = DocumentChunker(
            inputs: inputs, format: format, chunkBytes: chunkBytes,
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
                                tokens: sink.tokens))
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
