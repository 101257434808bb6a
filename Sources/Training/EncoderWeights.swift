/// Offsets of one encoder layer's tensors in the parameter arena.
struct EncoderLayerWeights: Sendable {
    /// query | key | value weights, contiguous: a (3H, H) matrix for one fused GEMM.
    var qkvWeight: Int, qkvBias: Int
    var attentionOutWeight: Int, attentionOutBias: Int
    var attentionNormWeight: Int, attentionNormBias: Int
    var intermediateWeight: Int, intermediateBias: Int
    var outputWeight: Int, outputBias: Int
    var outputNormWeight: Int, outputNormBias: Int

    static func register(
        layer l: Int, config c: ModelConfig, prefix: String,
        into p: inout ParameterLayout
    ) -> EncoderLayerWeights {
        register(named: "\(prefix)encoder.layer.\(l).", config: c, into: &p)
    }

    /// Registers one post-LN layer's tensors under `n` (HF BERT layer names after it).
    static func register(named n: String, config c: ModelConfig, into p: inout ParameterLayout) -> EncoderLayerWeights {
        let h = c.hiddenSize, i = c.intermediateSize
        let qw = p.add(n + "attention.self.query.weight", [h, h])
        _ = p.add(n + "attention.self.key.weight", [h, h])
        _ = p.add(n + "attention.self.value.weight", [h, h])
        let qb = p.add(n + "attention.self.query.bias", [h])
        _ = p.add(n + "attention.self.key.bias", [h])
        _ = p.add(n + "attention.self.value.bias", [h])
        return EncoderLayerWeights(
            qkvWeight: qw, qkvBias: qb,
            attentionOutWeight: p.add(n + "attention.output.dense.weight", [h, h]),
            attentionOutBias: p.add(n + "attention.output.dense.bias", [h]),
            attentionNormWeight: p.add(n + "attention.output.LayerNorm.weight", [h]),
            attentionNormBias: p.add(n + "attention.output.LayerNorm.bias", [h]),
            intermediateWeight: p.add(n + "intermediate.dense.weight", [i, h]),
            intermediateBias: p.add(n + "intermediate.dense.bias", [i]),
            outputWeight: p.add(n + "output.dense.weight", [h, i]),
            outputBias: p.add(n + "output.dense.bias", [h]),
            outputNormWeight: p.add(n + "output.LayerNorm.weight", [h]),
            outputNormBias: p.add(n + "output.LayerNorm.bias", [h]))
    }
}

struct EmbeddingWeights: Sendable {
    var word: Int, position: Int, tokenType: Int, normWeight: Int, normBias: Int

    static func register(config c: ModelConfig, prefix: String, into p: inout ParameterLayout) -> EmbeddingWeights {
        let n = "\(prefix)embeddings."
        return EmbeddingWeights(
            word: p.add(n + "word_embeddings.weight", [c.vocabSize, c.hiddenSize]),
            position: p.add(n + "position_embeddings.weight", [c.maxPositionEmbeddings, c.hiddenSize]),
            tokenType: p.add(n + "token_type_embeddings.weight", [c.typeVocabSize, c.hiddenSize]),
            normWeight: p.add(n + "LayerNorm.weight", [c.hiddenSize]),
            normBias: p.add(n + "LayerNorm.bias", [c.hiddenSize]))
    }
}
