// The whole encoding pipeline of HF `tokenizers` 0.23.3 `BertWordPieceTokenizer`:
//   raw text → added tokens split out (raw match) → BertNormalizer + BertPreTokenizer
//   (`BertTextSplitter`) → WordPiece → truncation → BertProcessing ([CLS] A [SEP] B [SEP]).
// `BertTokenizer` holds what threads share; each thread encodes with its own
// `BertEncoder`, which owns the reusable buffers.

/// Settings of one encode call.
public struct EncodeOptions: Sendable, Hashable {
    /// Add [CLS] … [SEP] (and … B [SEP] for pairs), as `add_special_tokens=True`.
    var addSpecialTokens = true
    /// `longest_first` truncation to this many tokens (special tokens included).
    var maxLength: Int? = nil
    public init(addSpecialTokens: Bool = true, maxLength: Int? = nil) {
        self.addSpecialTokens = addSpecialTokens; self.maxLength = maxLength
    }
}

/// A BERT WordPiece tokenizer: vocabulary, model and normalizer settings, shared by threads.
public final class BertTokenizer: Sendable {
    let vocabulary: Vocabulary
    let model: WordPieceModel
    let normalizer: NormalizerOptions
    let addedTokens: AddedTokenMatcher

    /// `normalizer` defaults to the `tokenizer.json`'s settings, else BERT uncased.
    public init(vocabulary: Vocabulary, normalizer: NormalizerOptions? = nil) {
        self.vocabulary = vocabulary
        self.model = WordPieceModel(vocabulary: vocabulary)
        self.normalizer = normalizer ?? vocabulary.normalizer ?? NormalizerOptions()
        self.addedTokens = AddedTokenMatcher(tokens: vocabulary.addedTokens)
    }

    /// A per-thread encoder.
    public func makeEncoder() throws -> BertEncoder { try BertEncoder(tokenizer: self) }
}

/// Encodes text with a `BertTokenizer`; one per thread (it owns mutable scratch space).
public final class BertEncoder {
    let tokenizer: BertTokenizer
    let splitter: BertTextSplitter
    // Copies of the shared parts, held directly so the per-sentence path does not reach
    // through `tokenizer` (fewer retain/release pairs per call).
    private let model: WordPieceModel
    private let matcher: AddedTokenMatcher
    private var words = PreTokenizedText()
    private let pieces = WordPieceOutput()
    private let cache = WordPieceCache()
    private var repaired: [UInt8] = []
    private var pairScratch = Encoding()
    /// U+FFFD replacements made so far for invalid UTF-8 input.
    public private(set) var replacedInvalidSequences = 0

    init(tokenizer: BertTokenizer) throws {
        self.tokenizer = tokenizer
        splitter = try BertTextSplitter(options: tokenizer.normalizer)
        model = tokenizer.model
        matcher = tokenizer.addedTokens
    }

    /// Encodes `text` (and `pair`) into `output` (cleared first).
    public func encode(
        _ text: UnsafeBufferPointer<UInt8>, pair: UnsafeBufferPointer<UInt8>? = nil,
        options: EncodeOptions = EncodeOptions(), into output: inout Encoding
    ) throws {
        output.removeAll()
        let special = tokenizer.vocabulary.special
        var cls: Int32 = 0, sep: Int32 = 0
        if options.addSpecialTokens {
            guard let c = special.classifier else {
                throw TokenizationError.missingToken(path: tokenizer.vocabulary.path, token: "[CLS]")
            }
            guard let s = special.separator else {
                throw TokenizationError.missingToken(path: tokenizer.vocabulary.path, token: "[SEP]")
            }
            cls = Int32(c); sep = Int32(s)
            output.append(cls, type: 0, start: 0, end: 0)
        }
        let firstStart = output.count
        appendSequence(text, type: 0, to: &output)
        var n2: Int? = nil
        if let pair {
            pairScratch.removeAll()
            appendSequence(pair, type: 1, to: &pairScratch)
            n2 = pairScratch.count
        }
        if let maxLength = options.maxLength {
            let added = options.addSpecialTokens ? (pair == nil ? 2 : 3) : 0
            let (k1, k2) = Truncation.longestFirst(
                first: output.count - firstStart, second: n2, maxLength: maxLength, added: added)
            output.removeLast(output.count - firstStart - k1)
            if pair != nil { pairScratch.removeLast(pairScratch.count - k2) }
        }
        if options.addSpecialTokens { output.append(sep, type: 0, start: 0, end: 0) }
        if pair != nil {
            output.ids.append(contentsOf: pairScratch.ids)
            output.typeIDs.append(contentsOf: pairScratch.typeIDs)
            output.byteStarts.append(contentsOf: pairScratch.byteStarts)
            output.byteEnds.append(contentsOf: pairScratch.byteEnds)
            if options.addSpecialTokens { output.append(sep, type: 1, start: 0, end: 0) }
        }
    }

    /// Appends the ids only of `text`'s tokens (no special tokens, no truncation) —
    /// the corpus path. Returns the number of ids appended.
    @discardableResult
    public func appendIDs(of text: UnsafeBufferPointer<UInt8>, to ids: inout [UInt32]) -> Int {
        let before = ids.count
        forEachSegment(text) { isToken, id in
            if isToken {
                ids.append(UInt32(bitPattern: id))
            } else {
                pieces.ids.withMemoryRebound(to: UInt32.self) { ids.append(contentsOf: $0) }
            }
        }
        return ids.count - before
    }

    private func appendSequence(_ text: UnsafeBufferPointer<UInt8>, type: UInt8, to output: inout Encoding) {
        forEachSegment(text) { isToken, id in
            if isToken {
                output.append(id, type: type, start: matchStart, end: matchEnd)
            } else {
                let ids = pieces.ids, starts = pieces.starts, ends = pieces.ends
                words.sourceStart.withUnsafeBufferPointer { ss in
                    words.sourceEnd.withUnsafeBufferPointer { se in
                        for i in 0..<ids.count {
                            output.append(ids[i], type: type, start: ss[Int(starts[i])], end: se[Int(ends[i]) - 1])
                        }
                    }
                }
            }
        }
    }

    private var matchStart: Int32 = 0
    private var matchEnd: Int32 = 0

    /// Splits `text` on added tokens and runs normalizer + WordPiece on the pieces in
    /// between. Calls `body(false, _)` after each text segment (its pieces in `pieces`,
    /// offsets via `words`) and `body(true, id)` for each added token (range in
    /// `matchStart..<matchEnd`). Invalid UTF-8 is repaired first.
    @inline(__always)
    private func forEachSegment(_ raw: UnsafeBufferPointer<UInt8>, _ body: (Bool, Int32) -> Void) {
        if UTF8Repair.firstInvalidOffset(raw) != nil {
            var copy = repaired
            repaired = []
            replacedInvalidSequences += UTF8Repair.repair(raw, into: &copy)
            copy.withUnsafeBufferPointer { segments(of: $0, body) }
            repaired = copy
        } else {
            segments(of: raw, body)
        }
    }

    @inline(__always)
    private func segments(of text: UnsafeBufferPointer<UInt8>, _ body: (Bool, Int32) -> Void) {
        words.removeAll()
        var pos = 0
        while pos < text.count {
            let match = matcher.nextMatch(in: text, from: pos)
            let segmentEnd = match?.start ?? text.count
            if segmentEnd > pos {
                let firstWord = words.words.count
                splitter.split(
                    UnsafeBufferPointer(rebasing: text[pos..<segmentEnd]), sourceBase: Int32(pos), into: &words)
                pieces.removeAll()
                model.tokenize(words, fromWord: firstWord, into: pieces, cache: cache)
                body(false, 0)
            }
            guard let match else { break }
            matchStart = Int32(match.start); matchEnd = Int32(match.end)
            body(true, match.id)
            pos = match.end
        }
    }
}
