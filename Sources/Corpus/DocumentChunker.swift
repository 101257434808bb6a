import Tokenization

// Cuts the input corpus into chunks of whole documents, the unit of parallel work.
// Chunk boundaries depend only on the input bytes (never on the thread count), so
// the output is the same for any `--threads`.

/// A run of consecutive documents: sentence texts concatenated, with ranges.
struct DocumentChunk: Sendable {
    var sequenceNumber = 0
    /// Bytes of all sentences, back to back.
    var text: [UInt8] = []
    /// End offset (into `text`) of each sentence.
    var sentenceEnds: [Int] = []
    /// Number of sentences of each document, in order.
    var documentSentenceCounts: [Int] = []
    /// Input bytes this chunk accounts for (progress).
    var inputBytes = 0
    init() {}
}

/// Reads text or JSONL inputs and yields `DocumentChunk`s.
///
/// Text: one sentence per line, a blank (whitespace-only) line ends a document, as in
/// Google BERT's `create_pretraining_data.py`. JSONL: one document per line; its "text"
/// is split on `\n` into sentences (blank ones dropped). The end of a file ends a document.
/// A document with more than `maxDocumentBytes` of text is split into consecutive
/// documents at a sentence boundary, so one giant document cannot exhaust memory.
final class DocumentChunker {
    /// The files (or byte ranges of files, with `--partition`) read, in order.
    let inputs: [InputSlice]
    /// Format of each input, in order.
    let formats: [InputFormat]
    private var format = InputFormat.text
    let chunkBytes: Int
    let maxDocumentBytes: Int
    let onInvalid: InvalidUTF8Policy
    /// With `.replace`: a file with more invalid UTF-8 bytes than this fraction of its
    /// (decompressed) bytes is refused, since it is binary or in another encoding, and its
    /// "documents" would be noise.
    let maxInvalidFraction: Double
    let textFields: TextFields
    private var fieldScratch: [JSONMemberLocation] = []
    private var fileInvalidBytes = 0
    private var fileBytes = 0
    private(set) var splitDocuments = 0
    private(set) var cutLines = 0
    /// Bytes consumed from input files so far (compressed bytes for .zst).
    private(set) var consumedFileBytes = 0

    private var fileIndex = -1
    private var reader: LineReader?
    private var finishedFilesBytes = 0
    private var nextSequence = 0
    private var jsonText: [UInt8] = []
    // The open document (may span chunk boundaries only by being split).
    private var openDocumentSentences = 0
    private var openDocumentBytes = 0

    /// `format == nil` chooses per file by its name (`InputFormat.detect`).
    convenience init(
        inputs: [String], format: InputFormat?, chunkBytes: Int = 1 << 20,
        maxDocumentBytes: Int = 16 << 20, onInvalid: InvalidUTF8Policy = .replace,
        maxInvalidFraction: Double = InvalidUTF8Threshold.defaultFraction, textFields: TextFields = .default
    ) {
        self.init(
            slices: inputs.map { InputSlice(path: $0, range: nil) }, format: format, chunkBytes: chunkBytes,
            maxDocumentBytes: maxDocumentBytes, onInvalid: onInvalid, maxInvalidFraction: maxInvalidFraction,
            textFields: textFields)
    }

    /// Reads `slices` (a `--partition` part's share: each starts and ends at a document
    /// boundary, see `InputSplit`). With a byte range, the invalid-UTF-8 rate is that of the range.
    init(
        slices inputs: [InputSlice], format: InputFormat?, chunkBytes: Int = 1 << 20,
        maxDocumentBytes: Int = 16 << 20, onInvalid: InvalidUTF8Policy = .replace,
        maxInvalidFraction: Double = InvalidUTF8Threshold.defaultFraction, textFields: TextFields = .default
    ) {
        self.textFields = textFields
        self.maxInvalidFraction = maxInvalidFraction
        self.inputs = inputs
        formats = inputs.map { format ?? InputFormat.detect(path: $0.path) }
        self.chunkBytes = max(chunkBytes, 1); self.maxDocumentBytes = max(maxDocumentBytes, 1)
        self.onInvalid = onInvalid
    }

    /// The next chunk, or `nil` when all inputs are consumed.
    func next() throws -> DocumentChunk? {
        var chunk = DocumentChunk()
        chunk.sequenceNumber = nextSequence
        let startBytes = consumedFileBytes
        // Only end a chunk between documents (a giant document is split in `addSentence`).
        while chunk.text.count < chunkBytes || openDocumentSentences > 0 {
            guard let r = try currentReader() else { break }
            guard let (line, isContinuation) = try r.nextLine() else {
                endDocument(&chunk)
                try checkInvalidRate(of: r.source.path)
                finishedFilesBytes += r.source.consumedFileBytes
                cutLines += r.cutLines
                reader = nil
                continue
            }
            consumedFileBytes = finishedFilesBytes + r.source.consumedFileBytes
            if onInvalid == .fail, let bad = UTF8Repair.firstInvalidOffset(line) {
                throw TokenizationError.invalidUTF8(path: r.source.path, byteOffset: r.lineOffset + bad)
            }
            if onInvalid == .replace && maxInvalidFraction < 1 {
                fileBytes += line.count + 1
                fileInvalidBytes += InvalidUTF8Threshold.invalidByteCount(line)
            }
            switch format {
            case .text:
                if Self.isBlank(line) {
                    if !isContinuation { endDocument(&chunk) }
                } else {
                    addSentence(line, to: &chunk)
                }
            case .jsonl:
                if Self.isBlank(line) { continue }
                if isContinuation {
                    throw TokenizationError.input(
                        path: r.source.path,
                        detail: "\(r.lineDescription): JSON line longer than \(r.maxLineBytes) bytes")
                }
                do {
                    try JSONTextField.extract(textFields, from: line, into: &jsonText, scratch: &fieldScratch)
                } catch let f as JSONTextField.Failure {
                    if !r.lineNumbersKnown {
                        throw TokenizationError.input(
                            path: r.source.path,
                            detail:
                                "byte \(r.lineOffset + f.column - 1) (line number unknown: this --partition part starts mid-file): \(f.detail)"
                        )
                    }
                    throw f.error(path: r.source.path, line: r.lineNumber)
                }
                jsonText.withUnsafeBufferPointer { text in
                    var start = 0
                    while start <= text.count {
                        var end = start
                        while end < text.count, text[end] != 10 { end += 1 }
                        let sentence = UnsafeBufferPointer(rebasing: text[start..<end])
                        if !Self.isBlank(sentence) { addSentence(sentence, to: &chunk) }
                        start = end + 1
                    }
                }
                endDocument(&chunk)
            }
        }
        if chunk.documentSentenceCounts.isEmpty && reader == nil && fileIndex >= inputs.count { return nil }
        chunk.inputBytes = consumedFileBytes - startBytes
        nextSequence += 1
        return chunk
    }

    private func currentReader() throws -> LineReader? {
        while reader == nil {
            fileIndex += 1
            guard fileIndex < inputs.count else { return nil }
            let slice = inputs[fileIndex]
            reader = LineReader(try openByteSource(slice), startOffset: slice.range?.lowerBound ?? 0)
            fileBytes = 0; fileInvalidBytes = 0
            format = formats[fileIndex]
        }
        return reader
    }

    private func checkInvalidRate(of path: String) throws {
        guard Double(fileInvalidBytes) > maxInvalidFraction * Double(fileBytes) else { return }
        throw TokenizationError.input(
            path: path,
            detail: InvalidUTF8Threshold.describe(
                invalidBytes: fileInvalidBytes, of: fileBytes, allowed: maxInvalidFraction))
    }

    private func addSentence(_ sentence: UnsafeBufferPointer<UInt8>, to chunk: inout DocumentChunk) {
        if openDocumentBytes > 0 && openDocumentBytes + sentence.count > maxDocumentBytes {
            endDocument(&chunk)
            splitDocuments += 1
        }
        chunk.text.append(contentsOf: sentence)
        chunk.sentenceEnds.append(chunk.text.count)
        openDocumentSentences += 1
        openDocumentBytes += sentence.count
    }

    private func endDocument(_ chunk: inout DocumentChunk) {
        guard openDocumentSentences > 0 else { return }
        chunk.documentSentenceCounts.append(openDocumentSentences)
        openDocumentSentences = 0
        openDocumentBytes = 0
    }

    /// Python's `str.strip()` on ASCII whitespace (and NUL-free): Google BERT drops such lines.
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in line where !(b == 32 || (9...13).contains(b)) { return false }
        return true
    }
}
