import Foundation

/// DeBERTa's relative-position machinery for `--attention disentangled`:
/// one table R [2k, H] shared by every layer, LayerNorm-ed once per forward
/// (`norm_rel_ebd = layer_norm`), projected in each layer by that layer's own query and key
/// weights (`share_att_key`), and log-bucketed relative positions (v2/v3:
/// `position_buckets` k = 256, `max_relative_positions` 512).
/// Tensor names follow HF `DebertaV2Encoder`: `encoder.rel_embeddings.weight`,
/// `encoder.LayerNorm.{weight,bias}` (with our `bert.` prefix).
struct RelativePositionWeights: Sendable {
    var table: Int, normWeight: Int, normBias: Int
    let buckets: Int, maxPosition: Int

    static func register(
        config c: ModelConfig, prefix: String, into p: inout ParameterLayout
    ) -> RelativePositionWeights {
        let n = "\(prefix)encoder."
        return RelativePositionWeights(
            table: p.add(n + "rel_embeddings.weight", [2 * c.positionBuckets, c.hiddenSize]),
            normWeight: p.add(n + "LayerNorm.weight", [c.hiddenSize]),
            normBias: p.add(n + "LayerNorm.bias", [c.hiddenSize]),
            buckets: c.positionBuckets, maxPosition: c.maxRelativePositions)
    }

    var rows: Int { 2 * buckets }

    /// DeBERTa's `make_log_bucket_position` for δ = i − j, in Float as the reference computes
    /// it: |δ| ≤ mid keeps δ; beyond, sign(δ)·(⌈ln(|δ|/mid) / ln((max−1)/mid) · (mid−1)⌉ + mid).
    static func bucket(_ delta: Int, buckets: Int, maxPosition: Int) -> Int {
        let mid = buckets / 2
        let a = abs(delta)
        if a <= mid { return delta }
        let logPos =
            Int((logf(Float(a) / Float(mid)) / logf(Float(maxPosition - 1) / Float(mid)) * Float(mid - 1)).rounded(.up))
            + mid
        return delta < 0 ? -logPos : logPos
    }

    /// idx(i, j) = clamp(bucket(i − j) + k, 0, 2k − 1).
    func index(_ i: Int, _ j: Int) -> Int {
        min(max(Self.bucket(i - j, buckets: buckets, maxPosition: maxPosition) + buckets, 0), 2 * buckets - 1)
    }
}

/// Per-forward relative buffers: the normalised table, its gradient, the bucket index for
/// the current length, one layer's projection and its gradient (recomputed per layer).
final class RelativeState {
    let norm, mean, rstd, dNorm, projected, dProjected, attentionScratch: UnsafeMutablePointer<Float>
    let index: IndexBuffer
    var span = 0..<0
    var length = 0

    init(_ a: ActivationArena, _ c: ModelConfig, _ cap: BatchCapacity) {
        let rows = 2 * c.positionBuckets, h = c.hiddenSize, t = cap.sequenceLength
        norm = a.take(rows * h); mean = a.take(rows); rstd = a.take(rows); dNorm = a.take(rows * h)
        projected = a.take(rows * 2 * h)
        dProjected = a.take(Parallel.threads * rows * 2 * h)
        attentionScratch = a.take(
            Parallel.threads * DisentangledAttention.scratchPerThread(length: t, span: min(rows, 2 * t)))
        index = IndexBuffer(t * t)
    }
}

extension RelativePositionWeights {
    /// Once per forward: LN(R), the bucket index for length `t`, and a zeroed ∂L/∂LN(R).
    func prepare(_ s: RelativeState, length t: Int, eps: Float, hidden h: Int, _ P: UnsafeMutablePointer<Float>) {
        LayerNorm.forward(
            out: s.norm, mean: s.mean, rstd: s.rstd, inp: P + table, gamma: P + normWeight, beta: P + normBias,
            rows: rows, columns: h, eps: eps)
        s.dNorm.update(repeating: 0, count: rows * h)
        if s.length != t {
            var lo = Int.max, hi = Int.min
            for i in 0..<t {
                for j in 0..<t {
                    let x = index(i, j)
                    s.index.pointer[i * t + j] = UInt32(x)
                    lo = min(lo, x); hi = max(hi, x)
                }
            }
            s.span = lo..<(hi + 1)
            s.length = t
        }
    }

    /// After every layer's backward: ∂L/∂LN(R) → the table and its LayerNorm.
    func finish(_ s: RelativeState, hidden h: Int, _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>) {
        // dNorm is free after this; reuse `projected` as LayerNorm's dinp and add it into the table gradient.
        LayerNorm.backward(
            dinp: s.projected, dgamma: G + normWeight, dbeta: G + normBias, dout: s.dNorm,
            inp: P + table, mean: s.mean, rstd: s.rstd, gamma: P + normWeight, rows: rows, columns: h)
        Residual.add(G + table, s.projected, count: rows * h)
    }

    /// Q_r | K_r for one layer: rows `span` of LN(R) through the layer's query and key rows
    /// of its fused (3H, H) weight — the first 2H rows, so one GEMM computes both.
    func project(_ s: RelativeState, layer w: EncoderLayerWeights, hidden h: Int, _ P: UnsafeMutablePointer<Float>) {
        let lo = s.span.lowerBound
        Linear.forward(
            out: s.projected + lo * 2 * h, inp: s.norm + lo * h, weight: P + w.qkvWeight, bias: P + w.qkvBias,
            rows: s.span.count, inputs: h, outputs: 2 * h)
    }
}

/// Self-attention of one layer, absolute (`Attention`) or disentangled — the one call site
/// `TransformerEncoder` and `TransformerBlock` share.
enum LayerAttention {
    static func forward(
        context: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
        dropped: UnsafeMutablePointer<Float>?, qkv: UnsafePointer<Float>,
        mask: UnsafePointer<UInt32>, shape: Attention.Shape, dropout p: Float, key: UInt64,
        scratch: UnsafeMutablePointer<Float>, relative: (RelativePositionWeights, RelativeState)?,
        layer w: EncoderLayerWeights, _ P: UnsafeMutablePointer<Float>
    ) {
        guard let (r, s) = relative else {
            Attention.forward(
                context: context, probs: probs, dropped: dropped, qkv: qkv, mask: mask, shape: shape,
                dropout: p, key: key, scratch: scratch)
            return
        }
        r.project(s, layer: w, hidden: shape.hidden, P)
        DisentangledAttention.forward(
            context: context, probs: probs, qkv: qkv,
            relative: .init(rel: s.projected, idx: s.index.pointer, span: s.span), mask: mask,
            shape: shape, dropout: p, key: key, scratch: s.attentionScratch)
    }

    static func backward(
        dqkv: UnsafeMutablePointer<Float>, dcontext: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
        probs: UnsafePointer<Float>, dropped: UnsafePointer<Float>?, shape: Attention.Shape, dropout p: Float,
        key: UInt64,
        scratch: UnsafeMutablePointer<Float>, relative: (RelativePositionWeights, RelativeState)?,
        layer w: EncoderLayerWeights, _ P: UnsafeMutablePointer<Float>, _ G: UnsafeMutablePointer<Float>,
        biasPartials: UnsafeMutablePointer<Float>? = nil
    ) {
        guard let (r, s) = relative else {
            Attention.backward(
                dqkv: dqkv, dcontext: dcontext, qkv: qkv, probs: probs, dropped: dropped, shape: shape,
                dropout: p, scratch: scratch, biasPartials: biasPartials)
            return
        }
        precondition(biasPartials == nil, "disentangled attention does not take the QKV bias sums")
        let h = shape.hidden, n = s.span.count, lo = s.span.lowerBound, threads = Parallel.threads
        r.project(s, layer: w, hidden: h, P)
        s.dProjected.update(repeating: 0, count: threads * n * 2 * h)
        DisentangledAttention.backward(
            dqkv: dqkv, drel: s.dProjected, dcontext: dcontext, qkv: qkv, probs: probs,
            relative: .init(rel: s.projected, idx: s.index.pointer, span: s.span),
            shape: shape, dropout: p, key: key, scratch: s.attentionScratch)
        // Sum the per-thread partials in a fixed order (deterministic for a given thread count).
        for th in 1..<max(1, threads) { Residual.add(s.dProjected, s.dProjected + th * n * 2 * h, count: n * 2 * h) }
        Linear.backward(
            dinp: s.dNorm + lo * h, accumulateInput: true, dweight: G + w.qkvWeight, dbias: G + w.qkvBias,
            dout: s.dProjected, inp: s.norm + lo * h, weight: P + w.qkvWeight, rows: n, inputs: h, outputs: 2 * h)
    }
}

extension TransformerEncoder {
    /// The relative weights with this step's buffers, or nil for absolute attention.
    func relativePair(_ s: EncoderState) -> (RelativePositionWeights, RelativeState)? {
        guard let r = relative, let rs = s.relative else { return nil }
        return (r, rs)
    }
}
