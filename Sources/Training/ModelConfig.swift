import Foundation

/// Encoder hyper-parameters with HF `BertConfig` field names, so a `config.json` from the
/// Hub (or one we export) reads and writes unchanged.
public struct ModelConfig: Codable, Equatable, Sendable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int = 512
    public var typeVocabSize: Int = 2
    public var layerNormEps: Float = 1e-12
    public var hiddenDropoutProb: Float = 0.1
    public var attentionProbsDropoutProb: Float = 0.1
    public var initializerRange: Float = 0.02
    public var padTokenId: Int = 0
    public var hiddenAct: String = "gelu"
    /// DeBERTa disentangled attention (`--attention disentangled`); the input then carries no
    /// absolute positions (DeBERTa's `position_biased_input = false`). See RelativePositions.swift.
    public var relativeAttention: Bool = false
    public var positionBuckets: Int = 256
    public var maxRelativePositions: Int = 512

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps", hiddenDropoutProb = "hidden_dropout_prob"
        case attentionProbsDropoutProb = "attention_probs_dropout_prob"
        case initializerRange = "initializer_range", padTokenId = "pad_token_id", hiddenAct = "hidden_act"
        case relativeAttention = "relative_attention", positionBuckets = "position_buckets"
        case maxRelativePositions = "max_relative_positions"
    }

    init(
        vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
        intermediateSize: Int
    ) {
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads; self.intermediateSize = intermediateSize
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 0
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 512
        typeVocabSize = try c.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? 2
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-12
        hiddenDropoutProb = try c.decodeIfPresent(Float.self, forKey: .hiddenDropoutProb) ?? 0.1
        attentionProbsDropoutProb = try c.decodeIfPresent(Float.self, forKey: .attentionProbsDropoutProb) ?? 0.1
        initializerRange = try c.decodeIfPresent(Float.self, forKey: .initializerRange) ?? 0.02
        padTokenId = try c.decodeIfPresent(Int.self, forKey: .padTokenId) ?? 0
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "gelu"
        relativeAttention = try c.decodeIfPresent(Bool.self, forKey: .relativeAttention) ?? false
        positionBuckets = try c.decodeIfPresent(Int.self, forKey: .positionBuckets) ?? 256
        maxRelativePositions = try c.decodeIfPresent(Int.self, forKey: .maxRelativePositions) ?? 512
    }

    func validate(source: String = "config") throws {
        guard hiddenSize > 0, numHiddenLayers > 0, numAttentionHeads > 0, intermediateSize > 0, vocabSize > 0 else {
            throw TrainingError.badConfig(source, "sizes must be positive")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw TrainingError.badConfig(
                source, "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
        guard !relativeAttention || (positionBuckets >= 2 && maxRelativePositions > positionBuckets / 2) else {
            throw TrainingError.badConfig(
                source,
                "position_buckets \(positionBuckets) / max_relative_positions \(maxRelativePositions) are not usable")
        }
        guard hiddenAct == "gelu" else {
            throw TrainingError.badConfig(source, "hidden_act \(hiddenAct) is not supported (only gelu, the erf form)")
        }
    }
}
