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
        let h = c.hiddenSize, i = c.intermediateSize
        let n = "\(prefix)encoder.layer.\(l)."
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
        attended = a.take(n * h); ffnPre = a.take(n * i); ffnAct = a.take(n * i); ffnDerivative = a.take(n * i)
        residual2 = a.take(n * h); mean2 = a.take(n); rstd2 = a.take(n); output = a.take(n * h)
    }
}

/// Gradient scratch shared by all layers (the backward walks one layer at a time).
struct EncoderGradientScratch {
    var dHidden, dResidual, dTemp, dAttended, dFFN, dQKV, dContext, attention: UnsafeMutablePointer<Float>

    init(_ a: ActivationArena, _ c: ModelConfig, _ cap: BatchCapacity) {
        let n = cap.rows, h = c.hiddenSize
        dHidden = a.take(n * h); dResidual = a.take(n * h); dTemp = a.take(n * h)
        dAttended = a.take(n * h); dFFN = a.take(n * c.intermediateSize); dQKV = a.take(n * 3 * h)
        dContext = a.take(n * h)
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

    /// One post-LN layer: x → LN(a + FFN(a)), a = LN(x + Attn(x)).
    func layerForward(_ l: Int, input x: UnsafePointer<Float>, _ s: EncoderState,
                      _ P: UnsafeMutablePointer<Float>, dropout d: DropoutPlan) {
        let w = layers[l], a = s.layers[l], c = config
        let n = s.batch * s.length, h = c.hiddenSize, i = c.intermediateSize
        Linear.forward(out: a.qkv, inp: x, weight: P + w.qkvWeight, bias: P + w.qkvBias, rows: n, inputs: h, outputs: 3 * h)
        LayerAttention.forward(context: a.context, probs: a.probs, dropped: d.attention > 0 ? a.droppedProbs : nil,
                               qkv: a.qkv, mask: s.mask.pointer,
                               shape: .init(batch: s.batch, length: s.length, hidden: h, heads: c.numAttentionHeads),
                               dropout: d.attention, key: d.key(site: DropoutPlan.site(layer: l, 0)),
                               scratch: s.scratch.attention, relative: relativePair(s), layer: w, P)
        Linear.forward(out: a.residual1, inp: a.context, weight: P + w.attentionOutWeight, bias: P + w.attentionOutBias,
                       rows: n, inputs: h, outputs: h)
        Dropout.apply(a.residual1, count: n * h, p: d.hidden, key: d.key(site: DropoutPlan.site(layer: l, 1)))
        Residual.add(a.residual1, x, count: n * h)
        LayerNorm.forward(out: a.attended, mean: a.mean1, rstd: a.rstd1, inp: a.residual1,
                          gamma: P + w.attentionNormWeight, beta: P + w.attentionNormBias, rows: n, columns: h, eps: c.layerNormEps)
        Linear.forward(out: a.ffnPre, inp: a.attended, weight: P + w.intermediateWeight, bias: P + w.intermediateBias,
                       rows: n, inputs: h, outputs: i)
        GELU.forward(out: a.ffnAct, derivative: a.ffnDerivative, inp: a.ffnPre, count: n * i)
        Linear.forward(out: a.residual2, inp: a.ffnAct, weight: P + w.outputWeight, bias: P + w.outputBias,
                       rows: n, inputs: i, outputs: h)
        Dropout.apply(a.residual2, count: n * h, p: d.hidden, key: d.key(site: DropoutPlan.site(layer: l, 2)))
        Residual.add(a.residual2, a.attended, count: n * h)
        LayerNorm.forward(out: a.output, mean: a.mean2, rstd: a.rstd2, inp: a.residual2,
                          gamma: P + w.outputNormWeight, beta: P + w.outputNormBias, rows: n, columns: h, eps: c.layerNormEps)
    }

    /// Backward of one layer: reads ∂L/∂output from `scratch.dHidden` and leaves ∂L/∂input there.
    func layerBackward(_ l: Int, input x: UnsafePointer<Float>, _ s: EncoderState,
                       _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>, dropout d: DropoutPlan) {
        let w = layers[l], a = s.layers[l], c = config, g = s.scratch
        let n = s.batch * s.length, h = c.hiddenSize, i = c.intermediateSize
        // output LayerNorm
        LayerNorm.backward(dinp: g.dResidual, dgamma: G + w.outputNormWeight, dbeta: G + w.outputNormBias,
                           dout: g.dHidden, inp: a.residual2, mean: a.mean2, rstd: a.rstd2,
                           gamma: P + w.outputNormWeight, rows: n, columns: h)
        // FFN branch (the residual branch passes dResidual straight to `attended`)
        var dBranch = UnsafePointer(g.dResidual)
        if d.hidden > 0 {
            Residual.copy(g.dTemp, g.dResidual, count: n * h)
            Dropout.apply(g.dTemp, count: n * h, p: d.hidden, key: d.key(site: DropoutPlan.site(layer: l, 2)))
            dBranch = UnsafePointer(g.dTemp)
        }
        Linear.backward(dinp: g.dFFN, dweight: G + w.outputWeight, dbias: G + w.outputBias,
                        dout: dBranch, inp: a.ffnAct, weight: P + w.outputWeight, rows: n, inputs: i, outputs: h)
        GELU.backward(dinp: g.dFFN, dout: g.dFFN, derivative: a.ffnDerivative, count: n * i)
        Residual.copy(g.dAttended, g.dResidual, count: n * h)
        Linear.backward(dinp: g.dAttended, accumulateInput: true, dweight: G + w.intermediateWeight,
                        dbias: G + w.intermediateBias, dout: g.dFFN, inp: a.attended, weight: P + w.intermediateWeight,
                        rows: n, inputs: h, outputs: i)
        // attention LayerNorm
        LayerNorm.backward(dinp: g.dResidual, dgamma: G + w.attentionNormWeight, dbeta: G + w.attentionNormBias,
                           dout: g.dAttended, inp: a.residual1, mean: a.mean1, rstd: a.rstd1,
                           gamma: P + w.attentionNormWeight, rows: n, columns: h)
        dBranch = UnsafePointer(g.dResidual)
        if d.hidden > 0 {
            Residual.copy(g.dTemp, g.dResidual, count: n * h)
            Dropout.apply(g.dTemp, count: n * h, p: d.hidden, key: d.key(site: DropoutPlan.site(layer: l, 1)))
            dBranch = UnsafePointer(g.dTemp)
        }
        Linear.backward(dinp: g.dContext, dweight: G + w.attentionOutWeight, dbias: G + w.attentionOutBias,
                        dout: dBranch, inp: a.context, weight: P + w.attentionOutWeight, rows: n, inputs: h, outputs: h)
        LayerAttention.backward(dqkv: g.dQKV, dcontext: g.dContext, qkv: a.qkv, probs: a.probs,
                                dropped: d.attention > 0 ? a.droppedProbs : nil,
                                shape: .init(batch: s.batch, length: s.length, hidden: h, heads: c.numAttentionHeads),
                                dropout: d.attention, key: d.key(site: DropoutPlan.site(layer: l, 0)),
                                scratch: g.attention, relative: relativePair(s), layer: w, P, G)
        Residual.copy(g.dHidden, g.dResidual, count: n * h)
        Linear.backward(dinp: g.dHidden, accumulateInput: true, dweight: G + w.qkvWeight, dbias: G + w.qkvBias,
                        dout: g.dQKV, inp: x, weight: P + w.qkvWeight, rows: n, inputs: h, outputs: 3 * h)
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
