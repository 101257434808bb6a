/// The BERT encoder (HF `BertModel` without pooler): embeddings then post-LN layers.
struct TransformerEncoder {
    let config: ModelConfig
    let embeddings: EmbeddingWeights
    let layers: [EncoderLayerWeights]
    /// Disentangled attention's shared relative table (nil: absolute BERT attention).
    var relative: RelativePositionWeights? = nil

    /// Registers the encoder's tensors (`prefix` "bert." gives `BertForMaskedLM` names).
    static func register(
        config: ModelConfig, prefix: String = "bert.",
        into p: inout ParameterLayout
    ) -> TransformerEncoder {
        let e = EmbeddingWeights.register(config: config, prefix: prefix, into: &p)
        let l = (0..<config.numHiddenLayers).map {
            EncoderLayerWeights.register(layer: $0, config: config, prefix: prefix, into: &p)
        }
        var encoder = TransformerEncoder(config: config, embeddings: e, layers: l)
        if config.relativeAttention {
            encoder.relative = RelativePositionWeights.register(config: config, prefix: prefix, into: &p)
        }
        return encoder
    }
}

extension TransformerEncoder {
    /// Embeddings forward into `s.embeddingOutput`.
    func embed(_ s: EncoderState, _ P: UnsafeMutablePointer<Float>, dropout d: DropoutPlan) {
        let n = s.batch * s.length, h = config.hiddenSize, e = embeddings
        Embedding.forward(
            out: s.embeddingSum, ids: s.inputs!.ids, types: s.inputs!.types,
            batch: s.batch, length: s.length, hidden: h,
            word: P + e.word, position: relative == nil ? P + e.position : nil, type: P + e.tokenType)
        if let r = relative, let rs = s.relative {
            r.prepare(rs, length: s.length, eps: config.layerNormEps, hidden: h, P)
        }
        LayerNorm.forward(
            out: s.embeddingOutput, mean: s.embeddingMean, rstd: s.embeddingRstd,
            inp: s.embeddingSum, gamma: P + e.normWeight, beta: P + e.normBias,
            rows: n, columns: h, eps: config.layerNormEps)
        Dropout.apply(s.embeddingOutput, count: n * h, p: d.hidden, key: d.key(site: 0))
    }

    func embedBackward(
        _ s: EncoderState, _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>,
        dropout d: DropoutPlan
    ) {
        let n = s.batch * s.length, h = config.hiddenSize, e = embeddings, g = s.scratch
        if let r = relative, let rs = s.relative { r.finish(rs, hidden: h, P, G) }
        Dropout.apply(g.dHidden, count: n * h, p: d.hidden, key: d.key(site: 0))
        LayerNorm.backward(
            dinp: g.dResidual, dgamma: G + e.normWeight, dbeta: G + e.normBias,
            dout: g.dHidden, inp: s.embeddingSum, mean: s.embeddingMean, rstd: s.embeddingRstd,
            gamma: P + e.normWeight, rows: n, columns: h)
        Embedding.backward(
            dout: g.dResidual, ids: s.inputs!.ids, types: s.inputs!.types,
            batch: s.batch, length: s.length, hidden: h, paddingID: UInt32(config.padTokenId),
            dword: G + e.word, dposition: relative == nil ? G + e.position : nil, dtype: G + e.tokenType)
    }

    /// Encoder layer `l` as a self-attention `TransformerBlock` (the one implementation of the
    /// post-LN layer, shared with the decoders), with its dropout sites.
    func block(_ l: Int) -> TransformerBlock {
        TransformerBlock(
            weights: layers[l], config: config,
            sites: (DropoutPlan.site(layer: l, 0), DropoutPlan.site(layer: l, 1), DropoutPlan.site(layer: l, 2)))
    }

    /// What a block needs from the encoder's batch: shape, padding mask, scratch, relative table.
    func blockContext(
        _ s: EncoderState, _ P: UnsafeMutablePointer<Float>, dropout d: DropoutPlan
    ) -> TransformerBlock.Context {
        .init(
            batch: s.batch, length: s.length, mask: s.inputs!.mask, P: P, dropout: d, scratch: s.scratch,
            relative: relativePair(s))
    }

    /// One post-LN layer: x → LN(a + FFN(a)), a = LN(x + Attn(x)).
    func layerForward(
        _ l: Int, input x: UnsafePointer<Float>, _ s: EncoderState,
        _ P: UnsafeMutablePointer<Float>, dropout d: DropoutPlan
    ) {
        block(l).forward(s.layers[l], query: x, keyValue: nil, blockContext(s, P, dropout: d))
    }

    /// Backward of one layer: reads ∂L/∂output from `scratch.dHidden` and leaves ∂L/∂input there.
    func layerBackward(
        _ l: Int, input x: UnsafePointer<Float>, _ s: EncoderState,
        _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>, dropout d: DropoutPlan
    ) {
        block(l).backward(s.layers[l], query: x, keyValue: nil, dKeyValue: nil, G: G, blockContext(s, P, dropout: d))
        // Every gradient from this layer's first tensor to the layout's end is now final
        // (decoder and head come after the layers and ran first), unless the relative table,
        // which every layer writes, lies among them.
        if relative == nil { s.gradientsReady?(layers[l].qkvWeight) }
    }

    func forward(_ s: EncoderState, _ P: UnsafeMutablePointer<Float>, dropout d: DropoutPlan) {
        // The dropped-probabilities buffers exist only when the config has attention dropout.
        precondition(
            d.attention == 0 || config.attentionProbsDropoutProb > 0,
            "attention dropout requested but the model was built without it")
        embed(s, P, dropout: d)
        var x = UnsafePointer(s.embeddingOutput)
        for l in 0..<layers.count {
            layerForward(l, input: x, s, P, dropout: d)
            x = UnsafePointer(s.layers[l].output)
        }
    }

    /// Backward from ∂L/∂(final hidden) in `scratch.dHidden`.
    func backward(
        _ s: EncoderState, _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>, dropout d: DropoutPlan
    ) {
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            let x = l == 0 ? s.embeddingOutput : s.layers[l - 1].output
            layerBackward(l, input: x, s, P, G, dropout: d)
        }
        embedBackward(s, P, G, dropout: d)
    }
}
