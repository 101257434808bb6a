/// BERT's MLM head (HF `BertOnlyMLMHead`): dense → GELU → LayerNorm → tied word embeddings
/// plus a bias. It runs only on the gathered masked rows: the [M, V] projection is the most
/// expensive GEMM of a small model, and gathering first is worth 2-3x.
struct MLMHead: Sendable {
    var denseWeight: Int, denseBias: Int, normWeight: Int, normBias: Int, outputBias: Int
    /// The tied decoder weight: the encoder's word embeddings (V, H).
    var wordEmbeddings: Int
    let hidden: Int, vocabulary: Int, eps: Float

    static func register(config c: ModelConfig, wordEmbeddings: Int, into p: inout ParameterLayout) -> MLMHead {
        let h = c.hiddenSize
        return MLMHead(
            denseWeight: p.add("cls.predictions.transform.dense.weight", [h, h]),
            denseBias: p.add("cls.predictions.transform.dense.bias", [h]),
            normWeight: p.add("cls.predictions.transform.LayerNorm.weight", [h]),
            normBias: p.add("cls.predictions.transform.LayerNorm.bias", [h]),
            outputBias: p.add("cls.predictions.bias", [c.vocabSize]),
            wordEmbeddings: wordEmbeddings, hidden: h, vocabulary: c.vocabSize, eps: c.layerNormEps)
    }
}

/// Head buffers for up to `maskedRows` predictions.
final class MLMHeadState {
    let rows, labels: IndexBuffer
    let gathered, pre, act, actDerivative, mean, rstd, transformed, logits, losses, hits, dTransformed,
        dAct: UnsafeMutablePointer<Float>
    /// Two partial column sums of the logits gradient (`CrossEntropy`), [2, V].
    let biasPartials: UnsafeMutablePointer<Float>
    var count = 0

    init(_ a: ActivationArena, hidden h: Int, vocabulary v: Int, maskedRows m: Int) {
        rows = IndexBuffer(m); labels = IndexBuffer(m)
        gathered = a.take(m * h); pre = a.take(m * h); act = a.take(m * h); actDerivative = a.take(m * h)
        mean = a.take(m); rstd = a.take(m); transformed = a.take(m * h)
        logits = a.take(m * v); losses = a.take(m); hits = a.take(m)
        dTransformed = a.take(m * h); dAct = a.take(m * h)
        biasPartials = a.take(2 * v)
    }
}

extension MLMHead {
    /// Gathers rows `s.rows` of `hidden` [·, H] and runs the head on them: the logits of the
    /// masked rows land in `s.logits` [M, V], the activations the backward needs beside them.
    func logits(hidden h: UnsafePointer<Float>, _ s: MLMHeadState, _ P: UnsafeMutablePointer<Float>) {
        let m = s.count, H = hidden
        guard m > 0 else { return }
        Parallel.chunks(m, minimumPerThread: 64) { _, r in
            for i in r { (s.gathered + i * H).update(from: h + Int(s.rows.pointer[i]) * H, count: H) }
        }
        Linear.forward(
            out: s.pre, inp: s.gathered, weight: P + denseWeight, bias: P + denseBias, rows: m, inputs: H, outputs: H)
        GELU.forward(out: s.act, derivative: s.actDerivative, inp: s.pre, count: m * H)
        LayerNorm.forward(
            out: s.transformed, mean: s.mean, rstd: s.rstd, inp: s.act, gamma: P + normWeight,
            beta: P + normBias, rows: m, columns: H, eps: eps)
        Linear.forward(
            out: s.logits, inp: s.transformed, weight: P + wordEmbeddings, bias: P + outputBias,
            rows: m, inputs: H, outputs: vocabulary)
    }

    /// The head (`logits`) and the cross-entropy; leaves ∂(gradientScale · mean loss)/∂logits
    /// in `s.logits`. Returns (loss sum, hits).
    func forward(
        hidden: UnsafePointer<Float>, _ s: MLMHeadState, _ P: UnsafeMutablePointer<Float>,
        gradientScale: Float, normalizer: Int? = nil
    ) -> (lossSum: Double, hits: Int) {
        let m = s.count
        guard m > 0 else { return (0, 0) }
        logits(hidden: hidden, s, P)
        CrossEntropy.forwardBackward(
            logits: s.logits, labels: s.labels.pointer, rows: m, vocabulary: vocabulary,
            gradientScale: gradientScale, losses: s.losses, hits: s.hits,
            biasPartials: s.biasPartials, normalizer: normalizer)
        var loss = 0.0, hits = 0
        for i in 0..<m { loss += Double(s.losses[i]); hits += s.hits[i] > 0 ? 1 : 0 }
        return (loss, hits)
    }

    /// Backward; writes ∂L/∂hidden into `dHidden` [rows, H] (zeroed first: only masked rows get gradient).
    func backward(
        dHidden: UnsafeMutablePointer<Float>, hiddenRows: Int, _ s: MLMHeadState,
        _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>
    ) {
        let m = s.count, H = hidden
        dHidden.update(repeating: 0, count: hiddenRows * H)
        guard m > 0 else { return }
        // The tied output layer's `Linear.backward`, with its input gradient as two halves of
        // the vocabulary (`kHalvesSgemm`; `dAct` is free until the LayerNorm backward) and its
        // bias gradient from the partial sums the cross-entropy took.
        kHalvesSgemm(m, H, vocabulary, s.logits, vocabulary, P + wordEmbeddings, H, s.dTransformed, H, scratch: s.dAct)
        parallelSgemm(
            true, false, vocabulary, H, m, 1, s.logits, vocabulary, s.transformed, H, 1, G + wordEmbeddings, H)
        CrossEntropy.addBiasGradient(G + outputBias, partials: s.biasPartials, vocabulary: vocabulary)
        LayerNorm.backward(
            dinp: s.dAct, dgamma: G + normWeight, dbeta: G + normBias, dout: s.dTransformed,
            inp: s.act, mean: s.mean, rstd: s.rstd, gamma: P + normWeight, rows: m, columns: H)
        GELU.backward(
            dinp: s.dAct, dout: s.dAct, derivative: s.actDerivative, rows: m, columns: H, biasGradient: G + denseBias)
        Linear.backward(
            dinp: s.dTransformed, dweight: G + denseWeight, dbias: nil, dout: s.dAct,
            inp: s.gathered, weight: P + denseWeight, rows: m, inputs: H, outputs: H)
        for i in 0..<m {
            let dst = dHidden + Int(s.rows.pointer[i]) * H, src = s.dTransformed + i * H
            for j in 0..<H { dst[j] += src[j] }
        }
    }
}
