// How tokens are chosen for masking and what replaces them.

public enum MaskingStrategy: Sendable, Hashable, Codable {
    /// Plain per-token masking.
    case token
    /// Google BERT whole-word masking.
    case wholeWord
    /// SpanBERT geometric spans of whole words.
    case span
    /// Whole-word n-grams with P(n) ∝ 1/n for n in 1...maxN (DeBERTa / Megatron).
    case ngram(maxN: Int)
}

public struct MaskingOptions: Sendable, Hashable, Codable {
    public var strategy: MaskingStrategy = .token
    public var maskedLMProbability: Double = 0.15
    public var maxPredictions: Int = 20
    /// The 80/10/10 split: probability of [MASK], of a random token; the rest stay unchanged.
    public var maskTokenProbability: Double = 0.8
    public var randomTokenProbability: Double = 0.1
    public init() {}
}

extension MaskingStrategy: CustomStringConvertible {
    /// The name used in configs and on the command line: `token`, `whole-word`, `span`, `ngram-3`.
    public var description: String {
        switch self {
        case .token: return "token"
        case .wholeWord: return "whole-word"
        case .span: return "span"
        case let .ngram(n): return "ngram-\(n)"
        }
    }
}
