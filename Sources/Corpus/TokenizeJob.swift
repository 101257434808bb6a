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
    /// Tokens per shard before a new one starts.
    public var shardTokens = 128 << 20
    /// Work unit size (bytes of text); does not change the output.
    public var chunkBytes = 1 << 20
    /// Documents with more text than this are split into consecutive documents.
    public var maxDocumentBytes = 16 << 20
    public var showProgress = isatty(2) == 1
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

    public func run() throws -> Summary {
        let vocabularyFile = try VocabularyFile(path: vocabularyPath)
        let vocabulary = vocabularyFile.vocabulary
        var summary = Summary()
        if let w = vocabulary.duplicateWarning { summary.warnings.append(w) }
        let options = normalizer.apply(to: vocabulary)
        let tokenizer = BertTokenizer(vocabulary: vocabulary, normalizer: options)
        var totalBytes = 0
        for input in inputs {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: input) else {
                throw TokenizationError.input(path: input, detail: FileManager.default.fileExists(atPath: input) ? "cannot read input" : "input file not found")
            }
            totalBytes += (attributes[.size] as? Int) ?? 0
        }

        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw TokenizationError.output(path: outputDirectory, detail: "cannot create output directory: \(error.localizedDescription)")
        }
        Dataset.removeTemporaries(in: outputDirectory)
        // An old manifest would make a half-rewritten directory look complete.
        let manifestPath = (outputDirectory as NSString).appendingPathComponent(Dataset.manifestName)
        if FileManager.default.fileExists(atPath: manifestPath), unlink(manifestPath) != 0 {
            throw TokenizationError.output(path: manifestPath, detail: "cannot remove old manifest")
        }

        // Everything that determines the output bytes; never the thread count.
        let config: [String: String] = [
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
        // Output bytes depend on these and on the input files, never on the thread count.
        var settings = config
        settings["vocab_sha256"] = vocabularyFile.identity.sha256
        settings["shard_tokens"] = String(shardTokens)
        settings["chunk_bytes"] = String(chunkBytes)
        settings["on_invalid"] = onInvalid.rawValue
        let configHash = TokenizeCheckpoint.configHash(settings: settings, inputs: inputs)
        let metadata = ["kind": "documents", "vocab_sha256": vocabularyFile.identity.sha256, "config_sha256": configHash]
        let schema = DocumentSchema.make(vocabularySize: vocabulary.count)

        // Resume after the shards a previous, interrupted run finished (verified in full).
        var checkpoint = TokenizeCheckpoint(configSHA256: configHash, chunks: 0, documents: 0, sentences: 0,
                                            tokens: 0, inputBytes: 0, shards: [])
        if let saved = TokenizeCheckpoint.load(in: outputDirectory), saved.configSHA256 == configHash,
           saved.shards.enumerated().allSatisfy({ k, shard in
               Dataset.reusableShard(at: Dataset.shardPath(in: outputDirectory, index: k), schema: schema, metadata: metadata) == shard
           }) {
            checkpoint = saved
            summary.resumedShards = saved.shards.count
        }
        let sink = DocumentShardSink(directory: outputDirectory, vocabularySize: vocabulary.count,
                                     metadata: metadata, shardTokens: shardTokens, resumingAfter: checkpoint.shards,
                                     counts: (checkpoint.documents, checkpoint.sentences, checkpoint.tokens))
        let chunker = DocumentChunker(inputs: inputs, format: format, chunkBytes: chunkBytes,
                                      maxDocumentBytes: maxDocumentBytes, onInvalid: onInvalid)
        let progress = ProgressReporter(totalBytes: totalBytes, enabled: showProgress)
        let encoders = EncoderPool()
        let pipeline = OrderedPipeline<DocumentChunk, TokenizedChunk>(threads: threads) {
            let encoder = try tokenizer.makeEncoder()
            encoders.add(encoder)
            return { encoder.tokenize($0) }
        }
        var written = 0
        var dropped = 0
        var chunksWritten = checkpoint.chunks
        var skip = checkpoint.chunks
        let resumedChunks = checkpoint.chunks
        do {
            // Chunks of finished shards are read (chunk boundaries depend on what came
            // before) but not tokenized.
            while skip > 0, let chunk = try chunker.next() { skip -= 1; written += chunk.inputBytes }
            try pipeline.run(produce: { try chunker.next() }, consume: { chunk in
                let finished = try sink.write(chunk)
                chunksWritten += 1
                written += chunk.inputBytes
                dropped += chunk.sentencesDropped
                if finished != nil {
                    checkpoint.chunks = chunksWritten
                    checkpoint.shards = sink.summaries
                    (checkpoint.documents, checkpoint.sentences, checkpoint.tokens) = (sink.documents, sink.sentences, sink.tokens)
                    try checkpoint.save(in: outputDirectory)
                }
                progress.update(bytes: written)
                if let k = interruptAfterChunks, chunksWritten - resumedChunks >= k, finished != nil {
                    throw TokenizationError.output(path: outputDirectory, detail: "interrupted (test)")
                }
            })
            let shards = try sink.finish()
            summary.shards = shards.count
            removeStaleShards(keeping: shards.count)
            let manifest = DatasetManifest(formatVersion: DatasetManifest.currentFormatVersion, kind: "documents",
                                           schema: sink.schema, config: config, vocab: vocabularyFile.identity, shards: shards)
            try Dataset.writeManifest(manifest, to: outputDirectory)
            TokenizeCheckpoint.remove(in: outputDirectory)
        } catch let e as ShardError {
            sink.abandon(); progress.finish()
            throw TokenizationError.output(path: outputDirectory, detail: e.description)
        } catch {
            sink.abandon(); progress.finish()
            throw error
        }
        progress.finish()
        summary.inputBytes = chunker.consumedFileBytes
        summary.documents = sink.documents
        summary.sentences = sink.sentences
        summary.tokens = sink.tokens
        summary.seconds = progress.elapsed
        summary.megabytesPerSecond = Double(summary.inputBytes) / 1e6 / max(summary.seconds, 1e-9)
        summary.replacedInvalidUTF8 = encoders.replaced
        summary.droppedEmptySentences = dropped
        summary.splitDocuments = chunker.splitDocuments
        summary.cutLines = chunker.cutLines
        summary.output = outputDirectory
        if summary.replacedInvalidUTF8 > 0 {
            summary.warnings.append("warning: replaced \(summary.replacedInvalidUTF8) invalid UTF-8 sequence(s) with U+FFFD (use --on-invalid fail to stop instead)")
        }
        if summary.splitDocuments > 0 {
            summary.warnings.append("warning: split \(summary.splitDocuments) document(s) longer than \(maxDocumentBytes) bytes into consecutive documents")
        }
        return summary
    }

    /// Shards of an earlier run beyond this run's count would be ignored by the manifest
    /// but confuse a reader of the directory; remove them.
    private func removeStaleShards(keeping count: Int) {
        var index = count
        while FileManager.default.fileExists(atPath: Dataset.shardPath(in: outputDirectory, index: index)) {
            unlink(Dataset.shardPath(in: outputDirectory, index: index))
            index += 1
        }
    }
}

/// The per-thread encoders of a job, to sum their counters at the end.
private final class EncoderPool: @unchecked Sendable {
    private let lock = NSLock()
    private var encoders: [BertEncoder] = []
    func add(_ e: BertEncoder) { lock.lock(); encoders.append(e); lock.unlock() }
    var replaced: Int { lock.lock(); defer { lock.unlock() }; return encoders.reduce(0) { $0 + $1.replacedInvalidSequences } }
}
