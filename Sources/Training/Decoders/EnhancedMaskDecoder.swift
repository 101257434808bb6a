/// DeBERTa's Enhanced Mask Decoder (microsoft/DeBERTa `apps/models/masked_language_model.py`):
///
///     H   = output of encoder layer L−1
///     q₀  = H + W_pos[position]                 (raw lookup: no LayerNorm, no dropout)
///     q_t = Layer_L(query = q_{t−1}, key = value = H),  t = 1 … passes
///
/// `Layer_L` is the encoder's own last layer — the same weights in every pass — so the EMD
/// adds no parameters; the head reads the masked rows of q_passes. The encoder's own pass
/// through its last layer is skipped: the loss does not use it.
struct EnhancedMaskDecoder {
    let passes: Int
    /// The encoder's last layer, once per pass (each pass has its own dropout sites).
    let blocks: [TransformerBlock]
    let positionTable: Int

    init(encoder: TransformerEncoder, passes: Int) {
        let L = encoder.layers.count, last = encoder.layers[L - 1]
        self.passes = passes
        blocks = (0..<passes).map { p in
            TransformerBlock(
                weights: last, config: encoder.config,
                sites: (
                    DropoutPlan.site(layer: L + p, 0), DropoutPlan.site(layer: L + p, 1),
                    DropoutPlan.site(layer: L + p, 2)
                ))
        }
        positionTable = encoder.embeddings.position
    }
}

/// EMD buffers: the first queries, each pass's activations, ∂L/∂H accumulated over passes.
final class EMDState {
    let query0, dKeyValue: UnsafeMutablePointer<Float>
    let passes: [EncoderLayerActivations]

    init(_ a: ActivationArena, _ c: ModelConfig, _ cap: BatchCapacity, passes p: Int) {
        query0 = a.take(cap.rows * c.hiddenSize)
        dKeyValue = a.take(cap.rows * c.hiddenSize)
        passes = (0..<p).map { _ in EncoderLayerActivations(a, c, cap) }
    }
}

extension EnhancedMaskDecoder {
    /// Encoder layers 1…L−1, then the EMD passes; returns q_passes [B·T, H].
    func forward(
        _ encoder: TransformerEncoder, _ s: EncoderState, _ e: EMDState,
        _ P: UnsafeMutablePointer<Float>, dropout d: DropoutPlan
    ) -> UnsafePointer<Float> {
        let L = encoder.layers.count, h = encoder.config.hiddenSize
        encoder.embed(s, P, dropout: d)
        var x = UnsafePointer(s.embeddingOutput)
        for l in 0..<(L - 1) {
            encoder.layerForward(l, input: x, s, P, dropout: d)
            x = UnsafePointer(s.layers[l].output)
        }
        let H = x
        PositionInjection.forward(
            out: e.query0, inp: H, position: P + positionTable, batch: s.batch, length: s.length, hidden: h)
        let c = encoder.blockContext(s, P, dropout: d)
        var q = UnsafePointer(e.query0)
        for p in 0..<passes {
            blocks[p].forward(e.passes[p], query: q, keyValue: H, c)
            q = UnsafePointer(e.passes[p].output)
        }
        return q
    }

    /// Backward from ∂L/∂q_passes in `s.scratch.dHidden` through the passes and the encoder.
    func backward(
        _ encoder: TransformerEncoder, _ s: EncoderState, _ e: EMDState,
        _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>, dropout d: DropoutPlan
    ) {
        let L = encoder.layers.count, h = encoder.config.hiddenSize, n = s.batch * s.length
        let H = UnsafePointer(L > 1 ? s.layers[L - 2].output : s.embeddingOutput)
        let c = encoder.blockContext(s, P, dropout: d), g = s.scratch
        e.dKeyValue.update(repeating: 0, count: n * h)
        for p in stride(from: passes - 1, through: 0, by: -1) {
            let q = UnsafePointer(p == 0 ? e.query0 : e.passes[p - 1].output)
            blocks[p].backward(e.passes[p], query: q, keyValue: H, dKeyValue: e.dKeyValue, G: G, c)
        }
        // q₀ = H + W_pos: the position table and H both receive ∂L/∂q₀.
        PositionInjection.backward(
            dout: g.dHidden, dposition: G + positionTable, batch: s.batch, length: s.length, hidden: h)
        Residual.add(g.dHidden, e.dKeyValue, count: n * h)
        for l in stride(from: L - 2, through: 0, by: -1) {
            let x = l == 0 ? s.embeddingOutput : s.layers[l - 1].output
            encoder.layerBackward(l, input: x, s, P, G, dropout: d)
        }
        encoder.embedBackward(s, P, G, dropout: d)
    }
}
