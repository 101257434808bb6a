// CONTRACT STUB (owned by the masking helper): the masker the loader reuses for
// dynamic masking. Public signatures stay; bodies get replaced.
import Tokenization

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

/// Deterministic 64-bit generator; each instance's stream is derived from
/// (seed, document index, copy index) so output is independent of threads.
public struct InstanceRandom: RandomNumberGenerator, Sendable {
    public init(seed: UInt64, streams: UInt64...) { fatalError("stub") }
    public mutating func next() -> UInt64 { fatalError("stub") }
}

/// Chooses and applies masks to one instance's `inputIDs` in place.
public struct Masker: Sendable {
    public init(options: MaskingOptions, vocabulary: Vocabulary) { fatalError("stub") }
    /// Writes ascending positions and their original ids to `positions` / `labels`
    /// (cleared first). Special tokens are never chosen.
    public func mask<R: RandomNumberGenerator>(_ inputIDs: inout [UInt32], positions: inout [UInt32],
                                               labels: inout [UInt32], using random: inout R) { fatalError("stub") }
}
