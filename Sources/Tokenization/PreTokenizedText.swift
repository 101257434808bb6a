// CONTRACT between normalization/pre-tokenization and WordPiece. The normalizer
// helper owns this file and `BertTextSplitter`; WordPiece and the encoder only read
// `PreTokenizedText`. Storage is reused across calls so steady state allocates nothing.

/// Options with the semantics of HF `tokenizers` 0.23.3 `BertNormalizer`.
public struct NormalizerOptions: Sendable, Hashable {
    public enum UnicodeBehaviour: String, Sendable, Hashable, CaseIterable {
        /// Identical to the pinned reference, quirks included (ICU + generated overlay).
        case reference
        /// Clean behaviour from ICU's own Unicode tables.
        case current
    }
    public enum PreNormalization: String, Sendable, Hashable, CaseIterable { case none, nfc, nfkc }

    public var cleanText = true
    public var handleChineseChars = true
    public var lowercase = true
    /// `nil` follows `lowercase`, as the reference does.
    public var stripAccents: Bool? = nil
    public var unicode: UnicodeBehaviour = .reference
    public var preNormalization: PreNormalization = .none

    public init() {}
    public var effectiveStripAccents: Bool { stripAccents ?? lowercase }
}

/// The words of one piece of text after normalization and the BERT pre-tokenizer
/// (split on whitespace, punctuation isolated, CJK characters isolated).
public struct PreTokenizedText: Sendable {
    /// Normalized UTF-8 of all words, concatenated without separators.
    public var bytes: [UInt8] = []
    /// For each byte of `bytes`: the byte range in the *original* input that produced
    /// the scalar this byte belongs to (start inclusive, end exclusive).
    public var sourceStart: [Int32] = []
    public var sourceEnd: [Int32] = []
    /// Words as ranges into `bytes`, in order.
    public var words: [Word] = []

    public struct Word: Sendable, Equatable {
        public var start: Int32      // into `bytes`
        public var end: Int32
        public var scalarCount: Int32 // the reference's 100-character limit counts these
        public init(start: Int32, end: Int32, scalarCount: Int32) {
            self.start = start; self.end = end; self.scalarCount = scalarCount
        }
    }

    public init() {}
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        sourceStart.removeAll(keepingCapacity: true)
        sourceEnd.removeAll(keepingCapacity: true)
        words.removeAll(keepingCapacity: true)
    }
}
