// `prep tokenize`: corpus → document shards + manifest.json (what `prep mask` reads).
import Foundation
import Shards

public struct TokenizeJob {
    public var vocabularyPath: String
    public var inputs: [String]
    public var outputDirectory: String
    public var format = InputFormat.text
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
        public var output = ""
        public var warnings: [String] = []
    }

    public func run() throws -> Summary {
        let vocabulary = try Vocabulary(path: vocabularyPath)
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
            "format": format.rawValue,
            "lowercase": String(options.lowercase),
            "strip_accents": String(options.effectiveStripAccents),
            "clean_text": String(options.cleanText),
            "handle_chinese_chars": String(options.handleChineseChars),
            "unicode": options.unicode.rawValue,
            "normalization": options.preNormalization.rawValue,
            "max_document_bytes": String(maxDocumentBytes),
            "reference": "tokenizers 0.23.3 BertWordPieceTokenizer",
        ]
        let metadata = ["kind": "documents", "vocab_sha256": vocabulary.sha256]
        let sink = DocumentShardSink(directory: outputDirectory, vocabularySize: vocabulary.count,
                                     metadata: metadata, shardTokens: shardTokens)
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
        do {
            try pipeline.run(produce: { try chunker.next() }, consume: { chunk in
                try sink.write(chunk)
                written += chunk.inputBytes
                dropped += chunk.sentencesDropped
                progress.update(bytes: written)
            })
            let shards = try sink.finish()
            summary.shards = shards.count
            removeStaleShards(keeping: shards.count)
            let manifest = DatasetManifest(formatVersion: DatasetManifest.currentFormatVersion, kind: "documents",
                                           schema: sink.schema, config: config, vocab: vocabulary.identity, shards: shards)
            try Dataset.writeManifest(manifest, to: outputDirectory)
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
