import Tokenization

// `prep encode`: one JSON array per input line (ids, or token strings), the stable
// interface the live parity check compares with the reference.

/// Input layout shared by `prep encode` and `prep tokenize`.
public enum InputFormat: String, Sendable, CaseIterable {
    /// One text per `\n`-terminated line.
    case text
    /// One JSON object per line; its "text" string is the text.
    case jsonl

    /// By file name: `.jsonl` / `.jsonl.zst` / `.jsonl.gz` (and `.json`, `.ndjson`) are JSONL,
    /// anything else text.
    static func detect(path: String) -> InputFormat {
        let name = InputCompression.strippingSuffix(path.lowercased())
        return name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") || name.hasSuffix(".json") ? .jsonl : .text
    }
}

/// What to do with bytes that are not valid UTF-8.
public enum InvalidUTF8Policy: String, Sendable, CaseIterable {
    /// Replace each maximal ill-formed subpart with U+FFFD and warn once with the count.
    case replace
    /// Stop with the file and byte offset of the first bad byte.
    case fail
}

/// Normalizer choices a user can override on the command line; `nil` keeps the
/// vocabulary's (tokenizer.json) or BERT-uncased default.
public struct NormalizerOverrides: Sendable, Hashable {
    public var lowercase: Bool?
    public var unicode: NormalizerOptions.UnicodeBehaviour = .reference
    public var preNormalization: NormalizerOptions.PreNormalization = .none
    public init(
        lowercase: Bool? = nil, unicode: NormalizerOptions.UnicodeBehaviour = .reference,
        preNormalization: NormalizerOptions.PreNormalization = .none
    ) {
        self.lowercase = lowercase; self.unicode = unicode; self.preNormalization = preNormalization
    }
    func apply(to vocabulary: Vocabulary) -> NormalizerOptions {
        var o = vocabulary.normalizer ?? NormalizerOptions()
        if let lowercase { o.lowercase = lowercase }
        o.unicode = unicode
        o.preNormalization = preNormalization
        return o
    }
}

public struct EncodeJob {
    public var vocabularyPath: String
    public var input = "-"
    public var format = InputFormat.text
    public var normalizer = NormalizerOverrides()
    public var addSpecialTokens = true
    public var printTokens = false
    public var onInvalid = InvalidUTF8Policy.replace
    /// With `.replace`, input whose invalid UTF-8 bytes exceed this fraction of its bytes is
    /// refused (checked at its end: the ids already printed are then not to be used).
    public var maxInvalidUTF8 = InvalidUTF8Threshold.defaultFraction
    /// JSONL: the members the text is read from.
    public var textFields = TextFields.default
    public init(vocabularyPath: String) { self.vocabularyPath = vocabularyPath }

    public struct Summary: Equatable {
        public var lines = 0
        public var replacedInvalidSequences = 0
        public var warnings: [String] = []
    }

    public func run(output: OutputBuffer) throws -> Summary {
        let vocabulary = try Vocabulary(path: vocabularyPath)
        var summary = Summary()
        if let w = vocabulary.duplicateWarning { summary.warnings.append(w) }
        let tokenizer = BertTokenizer(vocabulary: vocabulary, normalizer: normalizer.apply(to: vocabulary))
        let encoder = try tokenizer.makeEncoder()
        let tokenJSON: [[UInt8]] =
            printTokens
            ? vocabulary.tokens.map { t in
                var out: [UInt8] = []
                TokenizerJSONWriter.appendJSONString(t, to: &out)
                return out
            } : []
        let reader = LineReader(try openByteSource(input), maxLineBytes: Int.max / 4)
        let options = EncodeOptions(addSpecialTokens: addSpecialTokens)
        var encoding = Encoding()
        var text: [UInt8] = []
        var scratch: [JSONMemberLocation] = []
        var inputBytes = 0, invalidBytes = 0
        while let (line, _) = try reader.nextLine() {
            if onInvalid == .replace && maxInvalidUTF8 < 1 {
                inputBytes += line.count + 1
                invalidBytes += InvalidUTF8Threshold.invalidByteCount(line)
            }
            // Blank JSONL lines hold no object: skipped, as JSONL readers do.
            if format == .jsonl && DocumentChunker.isBlank(line) { continue }
            summary.lines += 1
            if format == .jsonl {
                do {
                    try JSONTextField.extract(textFields, from: line, into: &text, scratch: &scratch)
                } catch let f as JSONTextField.Failure {
                    throw f.error(path: reader.source.path, line: reader.lineNumber)
                }
            }
            let body = { (bytes: UnsafeBufferPointer<UInt8>) throws in
                if onInvalid == .fail, let bad = UTF8Repair.firstInvalidOffset(bytes) {
                    // For JSONL the offset is within the decoded "text" string.
                    let offset = format == .text ? reader.lineOffset + bad : reader.lineOffset
                    throw TokenizationError.invalidUTF8(path: reader.source.path, byteOffset: offset)
                }
                try encoder.encode(bytes, options: options, into: &encoding)
            }
            if format == .jsonl { try text.withUnsafeBufferPointer(body) } else { try body(line) }
            output.append(UInt8(ascii: "["))
            for (i, id) in encoding.ids.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                if printTokens {
                    tokenJSON[Int(id)].withUnsafeBufferPointer { output.append($0) }
                } else {
                    output.append(decimal: Int(id))
                }
            }
            output.append(UInt8(ascii: "]"))
            output.append(10)
            try output.flushIfNeeded()
        }
        try output.flush()
        if Double(invalidBytes) > maxInvalidUTF8 * Double(inputBytes) {
            throw TokenizationError.input(
                path: reader.source.path,
                detail: InvalidUTF8Threshold.describe(
                    invalidBytes: invalidBytes, of: inputBytes, allowed: maxInvalidUTF8))
        }
        summary.replacedInvalidSequences = encoder.replacedInvalidSequences
        if summary.replacedInvalidSequences > 0 {
            summary.warnings.append(
                "warning: \(reader.source.path): replaced \(summary.replacedInvalidSequences) invalid UTF-8 sequence(s) with U+FFFD"
            )
        }
        return summary
    }
}
