/// One post-LN BERT layer whose queries may come from another input than its keys and
/// values — what the Enhanced Mask Decoder needs (queries q_{t−1}, keys/values H) — and,
/// with `keyValue == nil`, ordinary self-attention: every encoder layer
/// (`TransformerEncoder.layerForward`) and the BPDec blocks. Only the QKV projection and its
/// backward differ between the two cases.
///
/// The fused (3H, H) QKV weight is split by rows: the query rows read `query`, the key and
/// value rows read `keyValue`, both GEMMs writing into the same [N, 3H] buffer (ldc = 3H), so
/// the unchanged `Attention` op runs on it.
struct TransformerBlock {
    let weights: EncoderLayerWeights
    let config: ModelConfig
    /// Dropout sites: attention probabilities, attention output, FFN output.
    let sites: (Int, Int, Int)

    struct Context {
        var batch: Int, length: Int
        var mask: UnsafePointer<UInt32>
        var P: UnsafeMutablePointer<Float>
        var dropout: DropoutPlan
        var scratch: EncoderGradientScratch
        /// Disentangled attention: the encoder's shared relative table and buffers.
        var relative: (RelativePositionWeights, RelativeState)? = nil
    }

    func forward(
        _ a: EncoderLayerActivations, query x: UnsafePointer<Float>, keyValue kv: UnsafePointer<Float>?, _ c: Context
    ) {
        let w = weights, P = c.P, d = c.dropout
        let n = c.batch * c.length, h = config.hiddenSize, i = config.intermediateSize
        if let kv {
            Parallel.chunks(n, minimumPerThread: 64) { _, r in
                for row in r { (a.qkv + row * 3 * h).update(from: P + w.qkvBias, count: 3 * h) }
            }
            parallelSgemm(false, true, n, h, h, 1, x, h, P + w.qkvWeight, h, 1, a.qkv, 3 * h)
            parallelSgemm(false, true, n, 2 * h, h, 1, kv, h, P + w.qkvWeight + h * h, h, 1, a.qkv + h, 3 * h)
        } else {
            Linear.forward(
                out: a.qkv, inp: x, weight: P + w.qkvWeight, bias: P + w.qkvBias, rows: n, inputs: h, outputs: 3 * h)
        }
        LayerAttention.forward(
            context: a.context, probs: a.probs, dropped: d.attention > 0 ? a.droppedProbs : nil,
            qkv: a.qkv, mask: c.mask,
            shape: .init(batch: c.batch, length: c.length, hidden: h, heads: config.numAttentionHeads),
            dropout: d.attention, key: d.key(site: sites.0), scratch: c.scratch.attention,
            relative: c.relative, layer: w, P)
        Linear.forward(
            out: a.residual1, inp: a.context, weight: P + w.attentionOutWeight, bias: P + w.attentionOutBias,
            rows: n, inputs: h, outputs: h)
        LayerNorm.forward(
            out: a.attended, mean: a.mean1, rstd: a.rstd1, sum: a.residual1, adding: x,
            dropout: d.hidden, key: d.key(site: sites.1),
            gamma: P + w.attentionNormWeight, beta: P + w.attentionNormBias, rows: n, columns: h,
            eps: config.layerNormEps)
        Linear.forward(
            out: a.ffnPre, inp: a.attended, weight: P + w.intermediateWeight, bias: P + w.intermediateBias,
            rows: n, inputs: h, outputs: i)
        GELU.forward(out: a.ffnAct, derivative: a.ffnDerivative, inp: a.ffnPre, count: n * i)
        Linear.forward(
            out: a.residual2, inp: a.ffnAct, weight: P + w.outputWeight, bias: P + w.outputBias,
            rows: n, inputs: i, outputs: h)
        LayerNorm.forward(
            out: a.output, mean: a.mean2, rstd: a.rstd2, sum: a.residual2, adding: a.attended,
            dropout: d.hidden, key: d.key(site: sites.2),
            gamma: P + w.outputNormWeight, beta: P + w.outputNormBias, rows: n, columns: h, eps: config.layerNormEps)
    }

    /// Reads ∂L/∂output from `scratch.dHidden`, leaves ∂L/∂query there; for cross-attention
    /// adds ∂L/∂keyValue into `dKeyValue`.
    func backward(
        _ a: EncoderLayerActivations, query x: UnsafePointer<Float>, keyValue kv: UnsafePointer<Float>?,
        dKeyValue: UnsafeMutablePointer<Float>?, G: UnsafeMutablePointer<Float>, _ c: Context
    ) {
        let w = weights, P = c.P, d = c.dropout, g = c.scratch
        let n = c.batch * c.length, h = config.hiddenSize, i = config.intermediateSize
        /// ∂L/∂(residual branch before its dropout): `dSum` (the gradient at the residual sum)
        /// as is, or through the dropout mask in `dTemp` (`dSum` still feeds the skip
        /// connection); the branch's output bias gradient is added into `dbias` on the way.
        func branchGradient(
            _ dSum: UnsafeMutablePointer<Float>, site: Int, dbias: UnsafeMutablePointer<Float>
        ) -> UnsafePointer<Float> {
            guard d.hidden > 0 else {
                ColumnSum.accumulate(into: dbias, dSum, rows: n, columns: h)
                return UnsafePointer(dSum)
            }
            Dropout.apply(
                into: g.dTemp, from: dSum, rows: n, columns: h, p: d.hidden, key: d.key(site: site), biasGradient: dbias
            )
            return UnsafePointer(g.dTemp)
        }
        // The skip connections need no copies: the FFN's input gradient is added straight into
        // the residual-sum gradient `dResidual` (which becomes ∂L/∂attended), and the attention
        // LayerNorm's input gradient is written into `dHidden` (free once the output LayerNorm
        // has read it), to which the QKV projection's input gradient is then added.
        /// The LayerNorm backward and its branch's dropout backward, fused when dropout is on.
        func normBackward(
            dinp: UnsafeMutablePointer<Float>, weight: Int, bias: Int, dout: UnsafePointer<Float>,
            inp: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
            site: Int, branchBias: Int
        ) -> UnsafePointer<Float> {
            guard d.hidden > 0 else {
                LayerNorm.backward(
                    dinp: dinp, dgamma: G + weight, dbeta: G + bias, dout: dout, inp: inp, mean: mean,
                    rstd: rstd, gamma: P + weight, rows: n, columns: h)
                return branchGradient(dinp, site: site, dbias: G + branchBias)
            }
            LayerNorm.backwardThroughDropout(
                dinp: dinp, dgamma: G + weight, dbeta: G + bias, dout: dout, inp: inp,
                mean: mean, rstd: rstd, gamma: P + weight, rows: n, columns: h,
                branch: g.dTemp, p: d.hidden, key: d.key(site: site),
                biasGradient: G + branchBias, partials: g.normPartials)
            return UnsafePointer(g.dTemp)
        }
        let dOutputBranch = normBackward(
            dinp: g.dResidual, weight: w.outputNormWeight, bias: w.outputNormBias,
            dout: g.dHidden, inp: a.residual2, mean: a.mean2, rstd: a.rstd2,
            site: sites.2, branchBias: w.outputBias)
        Linear.backward(
            dinp: g.dFFN, dweight: G + w.outputWeight, dbias: nil,
            dout: dOutputBranch,
            inp: a.ffnAct, weight: P + w.outputWeight, rows: n, inputs: i, outputs: h)
        GELU.backward(
            dinp: g.dFFN, dout: g.dFFN, derivative: a.ffnDerivative, rows: n, columns: i,
            biasGradient: G + w.intermediateBias)
        let dAttended = g.dResidual
        Linear.backward(
            dinp: dAttended, accumulateInput: true, dweight: G + w.intermediateWeight,
            dbias: nil, dout: g.dFFN, inp: a.attended, weight: P + w.intermediateWeight,
            rows: n, inputs: h, outputs: i)
        let dAttentionBranch = normBackward(
            dinp: g.dHidden, weight: w.attentionNormWeight, bias: w.attentionNormBias,
            dout: dAttended, inp: a.residual1, mean: a.mean1, rstd: a.rstd1,
            site: sites.1, branchBias: w.attentionOutBias)
        Linear.backward(
            dinp: g.dContext, dweight: G + w.attentionOutWeight, dbias: nil,
            dout: dAttentionBranch,
            inp: a.context, weight: P + w.attentionOutWeight, rows: n, inputs: h, outputs: h)
        // Absolute attention sums the QKV bias gradient per batch row as it writes dQKV.
        let biasSums = c.relative == nil ? g.qkvBiasPartials : nil
        LayerAttention.backward(
            dqkv: g.dQKV, dcontext: g.dContext, qkv: a.qkv, probs: a.probs,
            dropped: d.attention > 0 ? a.droppedProbs : nil,
            shape: .init(batch: c.batch, length: c.length, hidden: h, heads: config.numAttentionHeads),
            dropout: d.attention, key: d.key(site: sites.0), scratch: g.attention,
            relative: c.relative, layer: w, P, G, biasPartials: biasSums)
        if let kv, let dKeyValue {
            // Query rows of the fused weight read `x`; key/value rows read `kv`.
            parallelSgemm(false, false, n, h, h, 1, g.dQKV, 3 * h, P + w.qkvWeight, h, 1, g.dHidden, h)
            parallelSgemm(false, false, n, h, 2 * h, 1, g.dQKV + h, 3 * h, P + w.qkvWeight + h * h, h, 1, dKeyValue, h)
            parallelSgemm(true, false, h, h, n, 1, g.dQKV, 3 * h, x, h, 1, G + w.qkvWeight, h)
            parallelSgemm(true, false, 2 * h, h, n, 1, g.dQKV + h, 3 * h, kv, h, 1, G + w.qkvWeight + h * h, h)
            if biasSums == nil { ColumnSum.accumulate(into: G + w.qkvBias, g.dQKV, rows: n, columns: 3 * h) }
        } else {
            Linear.backward(
                dinp: g.dHidden, accumulateInput: true, dweight: G + w.qkvWeight,
                dbias: biasSums == nil ? G + w.qkvBias : nil,
                dout: g.dQKV, inp: x, weight: P + w.qkvWeight, rows: n, inputs: h, outputs: 3 * h)
        }
        if let biasSums { Attention.addBiasGradient(G + w.qkvBias, partials: biasSums, batch: c.batch, columns: 3 * h) }
    }
}

extension EncoderLayerWeights {
    /// A BPDec decoder block's tensors, named `decoder.layer.N.*` (the rest of each name as
    /// in a BERT layer), so export drops them by prefix.
    static func registerDecoderBlock(
        _ l: Int, config c: ModelConfig, into p: inout ParameterLayout
    ) -> EncoderLayerWeights {
        register(named: "decoder.layer.\(l).", config: c, into: &p)
    }
}
