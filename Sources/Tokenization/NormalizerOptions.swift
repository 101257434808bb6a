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
