/// DrBERT/BPDec decoder (arXiv 2401.15861). The paper publishes no code; this is our
/// reading of it, every choice documented in docs/decoders.md:
///
///     E   = encoder output (all L layers; the encoder is plain BERT)
///     x₀  = E (+ W_pos[position] with `decoderPositions`)
///     x_k = Block_k(x_{k−1}),  k = 1 … D      fresh, unshared BERT layers `decoder.layer.*`
///
/// Gradual Unmasking Attention: in block 1 the keys at masked (prediction) positions are
/// hidden, except each one independently stays visible with probability `guaUnmask`; from
/// block 2 on every key is visible (only padding is masked).
/// Output randomness: for each prediction, with probability `outputMix` the head reads
/// E's row instead of x_D's.
struct BPDecDecoder {
    let options: DecoderOptions
    let blocks: [TransformerBlock]
    let positionTable: Int

    /// Dropout-key sites of the two random draws (beyond any layer's sites).
    static let unmaskSite = 1 << 20, mixSite = (1 << 20) + 1

    static func register(
        options: DecoderOptions, encoder: TransformerEncoder, into p: inout ParameterLayout
    ) -> BPDecDecoder {
        let L = encoder.layers.count
        let blocks = (0..<options.decoderLayers).map { k in
            TransformerBlock(
                weights: .registerDecoderBlock(k, config: encoder.config, into: &p), config: encoder.config,
                sites: (
                    DropoutPlan.site(layer: L + k, 0), DropoutPlan.site(layer: L + k, 1),
                    DropoutPlan.site(layer: L + k, 2)
                ))
        }
        return BPDecDecoder(options: options, blocks: blocks, positionTable: encoder.embeddings.position)
    }

    /// The choices for `count` predictions, drawn from the step's dropout key: a pure function
    /// of (seed, step, micro-step, prediction index), so a resumed run draws the same ones.
    func draw(count: Int, dropout d: DropoutPlan) -> BPDecChoices {
        let ku = d.key(site: Self.unmaskSite), km = d.key(site: Self.mixSite)
        let tu = Dropout.threshold(options.guaUnmask), tm = Dropout.threshold(options.outputMix)
        // `keeps` is true with probability 1 − p; its negation has probability p. A rank's
        // predictions are numbered from its first one in the global batch.
        let first = d.shard.firstPrediction
        return BPDecChoices(
            unmasked: (0..<count).map { options.guaUnmask >= 1 || !Dropout.keeps(ku, first + $0, threshold: tu) },
            mixed: (0..<count).map { options.outputMix >= 1 || !Dropout.keeps(km, first + $0, threshold: tm) })
    }
}

/// BPDec buffers.
final class BPDecState {
    let input, mixed, dEncoder: UnsafeMutablePointer<Float>
    let layers: [EncoderLayerActivations]
    /// Block 1's key mask: padding and the still-hidden masked positions are 0.
    let firstLayerMask: IndexBuffer
    var choices = BPDecChoices(unmasked: [], mixed: [])

    init(_ a: ActivationArena, _ c: ModelConfig, _ cap: BatchCapacity, layers d: Int) {
        let n = cap.rows * c.hiddenSize
        input = a.take(n); mixed = a.take(n); dEncoder = a.take(n)
        layers = (0..<d).map { _ in EncoderLayerActivations(a, c, cap) }
        firstLayerMask = IndexBuffer(cap.rows)
    }
}

extension BPDecDecoder {
    /// Encoder, then the decoder blocks; returns the rows the head reads (x_D with the mixed
    /// rows replaced by E's). `rows` are the staged prediction rows.
    func forward(
        _ encoder: TransformerEncoder, _ s: EncoderState, _ b: BPDecState, rows: UnsafePointer<UInt32>,
        choices: BPDecChoices, _ P: UnsafeMutablePointer<Float>, dropout d: DropoutPlan
    ) -> UnsafePointer<Float> {
        let h = encoder.config.hiddenSize, n = s.batch * s.length
        encoder.forward(s, P, dropout: d)
        let E = UnsafePointer(s.output)
        b.choices = choices
        var x = E
        if options.decoderPositions {
            PositionInjection.forward(
                out: b.input, inp: E, position: P + positionTable, batch: s.batch, length: s.length, hidden: h)
            x = UnsafePointer(b.input)
        }
        let gua = b.firstLayerMask.pointer
        gua.update(from: s.inputs!.mask, count: n)
        for k in choices.unmasked.indices where !choices.unmasked[k] { gua[Int(rows[k])] = 0 }
        for k in blocks.indices {
            var c = encoder.blockContext(s, P, dropout: d)
            if k == 0 { c.mask = UnsafePointer(gua) }
            blocks[k].forward(b.layers[k], query: x, keyValue: nil, c)
            x = UnsafePointer(b.layers[k].output)
        }
        guard choices.mixed.contains(true) else { return x }
        Residual.copy(b.mixed, x, count: n * h)
        for k in choices.mixed.indices where choices.mixed[k] {
            let r = Int(rows[k]) * h
            (b.mixed + r).update(from: E + r, count: h)
        }
        return UnsafePointer(b.mixed)
    }

    /// Backward from ∂L/∂(head input) in `s.scratch.dHidden` through the blocks and the encoder.
    func backward(
        _ encoder: TransformerEncoder, _ s: EncoderState, _ b: BPDecState, rows: UnsafePointer<UInt32>,
        _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>, dropout d: DropoutPlan
    ) {
        let h = encoder.config.hiddenSize, n = s.batch * s.length, g = s.scratch
        // Mixed rows' gradient goes straight to the encoder output, not through the blocks.
        let mixed = b.choices.mixed.contains(true)
        if mixed {
            b.dEncoder.update(repeating: 0, count: n * h)
            for k in b.choices.mixed.indices where b.choices.mixed[k] {
                let r = Int(rows[k]) * h
                (b.dEncoder + r).update(from: g.dHidden + r, count: h)
                (g.dHidden + r).update(repeating: 0, count: h)
            }
        }
        let x0 = UnsafePointer(options.decoderPositions ? b.input : s.output)
        for k in stride(from: blocks.count - 1, through: 0, by: -1) {
            var c = encoder.blockContext(s, P, dropout: d)
            if k == 0 { c.mask = UnsafePointer(b.firstLayerMask.pointer) }
            blocks[k].backward(
                b.layers[k], query: k == 0 ? x0 : UnsafePointer(b.layers[k - 1].output), keyValue: nil, dKeyValue: nil,
                G: G, c)
        }
        if options.decoderPositions {
            PositionInjection.backward(
                dout: g.dHidden, dposition: G + positionTable, batch: s.batch, length: s.length, hidden: h)
        }
        if mixed { Residual.add(g.dHidden, b.dEncoder, count: n * h) }
        encoder.backward(s, P, G, dropout: d)
    }
}
