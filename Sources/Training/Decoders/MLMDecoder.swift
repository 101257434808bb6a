/// The decoder selected by `DecoderOptions`, as `MaskedLanguageModel` drives it: what runs
/// between the encoder's input and the MLM head, forward and backward.
enum MLMDecoder {
    case mlm
    case emd(EnhancedMaskDecoder)
    case bpdec(BPDecDecoder)

    /// Registers the decoder's own tensors (BPDec only; EMD reuses the encoder's last layer).
    static func register(_ o: DecoderOptions, encoder: TransformerEncoder, into p: inout ParameterLayout) -> MLMDecoder
    {
        switch o.kind {
        case .mlm: return .mlm
        case .emd: return .emd(EnhancedMaskDecoder(encoder: encoder, passes: o.emdPasses))
        case .bpdec: return .bpdec(BPDecDecoder.register(options: o, encoder: encoder, into: &p))
        }
    }

    func makeState(_ a: ActivationArena, _ c: ModelConfig, _ cap: BatchCapacity) -> DecoderState {
        switch self {
        case .mlm: return DecoderState()
        case let .emd(e): return DecoderState(emd: EMDState(a, c, cap, passes: e.passes))
        case let .bpdec(b): return DecoderState(bpdec: BPDecState(a, c, cap, layers: b.blocks.count))
        }
    }

    /// Matmul FLOPs the decoder adds to one forward+backward (same convention as
    /// `MaskedLanguageModel.flopsPerStep`: 6 per weight per position, plus attention).
    func extraFlops(_ c: ModelConfig, batch: Int, length: Int) -> Double {
        let layers: Int
        switch self {
        case .mlm: return 0
        case let .emd(e): layers = e.passes - 1  // the encoder's own last layer is skipped
        case let .bpdec(b): layers = b.blocks.count
        }
        let h = Double(c.hiddenSize), i = Double(c.intermediateSize), n = Double(batch * length)
        return Double(layers) * (6 * n * (4 * h * h + 2 * h * i) + 3 * 4 * Double(batch) * Double(length * length) * h)
    }
}

final class DecoderState {
    let emd: EMDState?
    let bpdec: BPDecState?
    init(emd: EMDState? = nil, bpdec: BPDecState? = nil) { self.emd = emd; self.bpdec = bpdec }
}

extension MaskedLanguageModel {
    /// Encoder + decoder forward; returns the hidden states whose masked rows the head reads.
    func decoderForward(dropout d: DropoutPlan) -> UnsafePointer<Float> {
        let P = parameters.values, s = encoderState
        switch decoder {
        case .mlm:
            encoder.forward(s, P, dropout: d)
            return UnsafePointer(s.output)
        case let .emd(e):
            return e.forward(encoder, s, decoderState.emd!, P, dropout: d)
        case let .bpdec(b):
            let m = headState.count
            let choices = bpdecChoices ?? b.draw(count: m, dropout: d)
            precondition(
                choices.unmasked.count == m && choices.mixed.count == m,
                "BPDec choices for \(choices.unmasked.count)/\(choices.mixed.count) predictions, batch has \(m)")
            return b.forward(
                encoder, s, decoderState.bpdec!, rows: headState.rows.pointer, choices: choices, P, dropout: d)
        }
    }

    /// Backward from ∂L/∂(head input) in `encoderState.scratch.dHidden` to the embeddings.
    func decoderBackward(dropout d: DropoutPlan) {
        let P = parameters.values, G = parameters.gradients, s = encoderState
        switch decoder {
        case .mlm: encoder.backward(s, P, G, dropout: d)
        case let .emd(e): e.backward(encoder, s, decoderState.emd!, P, G, dropout: d)
        case let .bpdec(b): b.backward(encoder, s, decoderState.bpdec!, rows: headState.rows.pointer, P, G, dropout: d)
        }
    }
}
