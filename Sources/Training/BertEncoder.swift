/// Offsets of one encoder layer's tensors in the parameter arena.
public struct EncoderLayerWeights: Sendable {
    /// query | key | value weights, contiguous: a (3H, H) matrix for one fused GEMM.
    public var qkvWeight: Int, qkvBias: Int
    public var attentionOutWeight: Int, attentionOutBias: Int
    public var attentionNormWeight: Int, attentionNormBias: Int
    public var intermediateWeight: Int, intermediateBias: Int
    public var outputWeight: Int, outputBias: Int
    public var outputNormWeight: Int, outputNormBias: Int

    static func register(layer l: Int, config c: ModelConfig, prefix: String,
                         into p: inout ParameterLayout) -> EncoderLayerWeights {
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

public struct EmbeddingWeights: Sendable {
    public var word: Int, position: Int, tokenType: Int, normWeight: Int, normBias: Int

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

/// Saved activations of one encoder layer (inputs of each op's backward).
struct EncoderLayerActivations {
    var qkv, probs, droppedProbs, context, residual1, mean1, rstd1, attended: UnsafeMutablePointer<Float>
    var ffnPre, ffnAct, ffnDerivative, residual2, mean2, rstd2, output: UnsafeMutablePointer<Float>

    init(_ a: ActivationArena, _ c: ModelConfig, _ cap: BatchCapacity) {
        let n = cap.rows, h = c.hiddenSize, i = c.intermediateSize
        qkv = a.take(n * 3 * h)
        let scores = cap.batchSize * c.numAttentionHeads * cap.sequenceLength * cap.sequenceLength
        probs = a.take(scores)
        droppedProbs = a.take(c.attentionProbsDropoutProb > 0 ? scores : 0)
        context = a.take(n * h); residual1 = a.take(n * h); mean1 = a.take(n); rstd1 = a.take(n)
        // GELU runs in place: its backward needs only the stored derivative and the output, so
        // the pre-activation buffer is reused, and the [rows, I] output lands on cache lines
        // the forward has just read instead of a fresh buffer's (one [rows, I] pass less).
        attended = a.take(n * h); ffnPre = a.take(n * i); ffnAct = ffnPre; ffnDerivative = a.take(n * i)
        residual2 = a.take(n * h); mean2 = a.take(n); rstd2 = a.take(n); output = a.take(n * h)
    }
}

/// Gradient scratch shared by all layers (the backward walks one layer at a time).
struct EncoderGradientScratch {
    var dHidden, dResidual, dTemp, dFFN, dQKV, dContext, attention: UnsafeMutablePointer<Float>
    /// Row-group partial sums of `LayerNorm.backwardThroughDropout`.
    var normPartials: UnsafeMutablePointer<Float>
    /// Per-batch-row column sums of the QKV gradient (`Attention.backward`), [B, 3H].
    var qkvBiasPartials: UnsafeMutablePointer<Float>

    init(_ a: ActivationArena, _ c: ModelConfig, _ cap: BatchCapacity) {
        let n = cap.rows, h = c.hiddenSize
        dHidden = a.take(n * h); dResidual = a.take(n * h); dTemp = a.take(n * h)
        dFFN = a.take(n * c.intermediateSize); dQKV = a.take(n * 3 * h)
        dContext = a.take(n * h); normPartials = a.take(6 * h); qkvBiasPartials = a.take(cap.batchSize * 3 * h)
        attention = a.take(Parallel.threads * Attention.scratchPerThread(length: cap.sequenceLength))
    }
}

/// Dropout probabilities and the key from which every site's mask is derived.
public struct DropoutPlan: Sendable {
    public var hidden: Float
    public var attention: Float
    public var seed: UInt64
    public var step: Int
    public var micro: Int
    public static let none = DropoutPlan(hidden: 0, attention: 0, seed: 0, step: 0, micro: 0)

    func key(site: Int) -> UInt64 { Dropout.key(seed: seed, step: step, micro: micro, site: site) }
    /// Sites: 0 embeddings; per layer l: 1+3l attention probabilities, 2+3l attention output, 3+3l FFN output.
    static func site(layer: Int, _ k: Int) -> Int { 1 + 3 * layer + k }
}

/// The BERT encoder (HF `BertModel` without pooler): embeddings then post-LN layers.
public struct BertEncoder {
    public let config: ModelConfig
    public let embeddings: EmbeddingWeights
    public let layers: [EncoderLayerWeights]
    /// Disentangled attention's shared relative table (nil: absolute BERT attention).
    public var relative: RelativePositionWeights? = nil

    /// Registers the encoder's tensors (`prefix` "bert." gives `BertForMaskedLM` names).
    public static func register(config: ModelConfig, prefix: String = "bert.",
                                into p: inout ParameterLayout) -> BertEncoder {
        let e = EmbeddingWeights.register(config: config, prefix: prefix, into: &p)
        let l = (0..<config.numHiddenLayers).map { EncoderLayerWeights.register(layer: $0, config: config, prefix: prefix, into: &p) }
        var encoder = BertEncoder(config: config, embeddings: e, layers: l)
        if config.relativeAttention { encoder.relative = RelativePositionWeights.register(config: config, prefix: prefix, into: &p) }
        return encoder
    }
}

/// Encoder buffers: inputs, saved activations and gradient scratch.
final class EncoderState {
    let ids, types, mask: IndexBuffer
    let embeddingSum, embeddingMean, embeddingRstd, embeddingOutput: UnsafeMutablePointer<Float>
    let layers: [EncoderLayerActivations]
    let scratch: EncoderGradientScratch
    let relative: RelativeState?
    var batch = 0, length = 0

    init(_ a: ActivationArena, _ c: ModelConfig, _ cap: BatchCapacity) {
        let n = cap.rows
        ids = IndexBuffer(n); types = IndexBuffer(n); mask = IndexBuffer(n)
        embeddingSum = a.take(n * c.hiddenSize); embeddingMean = a.take(n); embeddingRstd = a.take(n)
        embeddingOutput = a.take(n * c.hiddenSize)
        layers = (0..<c.numHiddenLayers).map { _ in EncoderLayerActivations(a, c, cap) }
        scratch = EncoderGradientScratch(a, c, cap)
        relative = c.relativeAttention ? RelativeState(a, c, cap) : nil
    }

    /// Final hidden states [B·T, H].
    var output: UnsafeMutablePointer<Float> { layers.last?.output ?? embeddingOutput }
}

extension BertEncoder {
    /// Embeddings forward into `s.embeddingOutput`.
    func embed(_ s: EncoderState, _ P: UnsafeMutablePointer<Float>, dropout d: DropoutPlan) {
        let n = s.batch * s.length, h = config.hiddenSize, e = embeddings
        Embedding.forward(out: s.embeddingSum, ids: s.ids.pointer, types: s.types.pointer,
                          batch: s.batch, length: s.length, hidden: h,
                          word: P + e.word, position: relative == nil ? P + e.position : nil, type: P + e.tokenType)
        if let r = relative, let rs = s.relative { r.prepare(rs, length: s.length, eps: config.layerNormEps, hidden: h, P) }
        LayerNorm.forward(out: s.embeddingOutput, mean: s.embeddingMean, rstd: s.embeddingRstd,
                          inp: s.embeddingSum, gamma: P + e.normWeight, beta: P + e.normBias,
                          rows: n, columns: h, eps: config.layerNormEps)
        Dropout.apply(s.embeddingOutput, count: n * h, p: d.hidden, key: d.key(site: 0))
    }

    func embedBackward(_ s: EncoderState, _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>,
                       dropout d: DropoutPlan) {
        let n = s.batch * s.length, h = config.hiddenSize, e = embeddings, g = s.scratch
        if let r = relative, let rs = s.relative { r.finish(rs, hidden: h, P, G) }
        Dropout.apply(g.dHidden, count: n * h, p: d.hidden, key: d.key(site: 0))
        LayerNorm.backward(dinp: g.dResidual, dgamma: G + e.normWeight, dbeta: G + e.normBias,
                           dout: g.dHidden, inp: s.embeddingSum, mean: s.embeddingMean, rstd: s.embeddingRstd,
                           gamma: P + e.normWeight, rows: n, columns: h)
        Embedding.backward(dout: g.dResidual, ids: s.ids.pointer, types: s.types.pointer,
                           batch: s.batch, length: s.length, hidden: h, paddingID: Int32(config.padTokenId),
                           dword: G + e.word, dposition: relative == nil ? G + e.position : nil, dtype: G + e.tokenType)
    }

    /// Encoder layer `l` as a self-attention `TransformerBlock` (the one implementation of the
    /// post-LN layer, shared with the decoders), with its dropout sites.
    func block(_ l: Int) -> TransformerBlock {
        TransformerBlock(weights: layers[l], config: config,
                         sites: (DropoutPlan.site(layer: l, 0), DropoutPlan.site(layer: l, 1), DropoutPlan.site(layer: l, 2)))
    }

    /// What a block needs from the encoder's batch: shape, padding mask, scratch, relative table.
    func blockContext(_ s: EncoderState, _ P: UnsafeMutablePointer<Float>, dropout d: DropoutPlan) -> TransformerBlock.Context {
        .init(batch: s.batch, length: s.length, mask: s.mask.pointer, P: P, dropout: d, scratch: s.scratch, relative: relativePair(s))
    }

    /// One post-LN layer: x → LN(a + FFN(a)), a = LN(x + Attn(x)).
    func layerForward(_ l: Int, input x: UnsafePointer<Float>, _ s: EncoderState,
                      _ P: UnsafeMutablePointer<Float>, dropout d: DropoutPlan) {
        block(l).forward(s.layers[l], query: x, keyValue: nil, blockContext(s, P, dropout: d))
    }

    /// Backward of one layer: reads ∂L/∂output from `scratch.dHidden` and leaves ∂L/∂input there.
    func layerBackward(_ l: Int, input x: UnsafePointer<Float>, _ s: EncoderState,
                       _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>, dropout d: DropoutPlan) {
        block(l).backward(s.layers[l], query: x, keyValue: nil, dKeyValue: nil, G: G, blockContext(s, P, dropout: d))
    }

    func forward(_ s: EncoderState, _ P: UnsafeMutablePointer<Float>, dropout d: DropoutPlan) {
        // The dropped-probabilities buffers exist only when the config has attention dropout.
        precondition(d.attention == 0 || config.attentionProbsDropoutProb > 0,
                     "attention dropout requested but the model was built without it")
        embed(s, P, dropout: d)
        var x = UnsafePointer(s.embeddingOutput)
        for l in 0..<layers.count {
            layerForward(l, input: x, s, P, dropout: d)
            x = UnsafePointer(s.layers[l].output)
        }
    }

    /// Backward from ∂L/∂(final hidden) in `scratch.dHidden`.
    func backward(_ s: EncoderState, _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>, dropout d: DropoutPlan) {
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            let x = l == 0 ? s.embeddingOutput : s.layers[l - 1].output
            layerBackward(l, input: x, s, P, G, dropout: d)
        }
        embedBackward(s, P, G, dropout: d)
    }
}
