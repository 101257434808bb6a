import Foundation

/// DeBERTa's disentangled self-attention (`deberta/disentangled_attention.py`; HF
/// `DisentangledSelfAttention` with `share_att_key`, `pos_att_type = [c2p, p2c]`), over the
/// same fused QKV buffer as `Attention`:
///
///     S[i,j] = s · ( Q_i·K_j  +  Q_i·K_r[idx(i,j)]  +  Q_r[idx(i,j)]·K_j ),   s = 1/√(3·d_h)
///
/// `rel` [2k, 2H] holds Q_r | K_r (the LayerNorm-ed relative table through the layer's own
/// query and key projections); `idx` [T, T] the bucketed relative position δ(i,j) = i − j
/// plus k, clamped (`RelativePositions.index`). Only rows `span` of `rel` are ever read, so
/// c2p and p2c are computed as [T, |span|] GEMMs and then gathered, as in the reference
/// (which gathers from [T, 2k]).
enum DisentangledAttention {
    struct Relative {
        var rel: UnsafePointer<Float>
        var idx: UnsafePointer<UInt32>
        var span: Range<Int>
    }

    /// Per-thread scratch: T×T for dropout / dP and two T×|span| position-score blocks.
    static func scratchPerThread(length t: Int, span r: Int) -> Int { 2 * t * t + 2 * t * r }

    static func forward(
        context: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
        qkv: UnsafePointer<Float>, relative R: Relative, mask: UnsafePointer<UInt32>,
        shape s: Attention.Shape, dropout p: Float, key: UInt64, scratch: UnsafeMutablePointer<Float>
    ) {
        let t = s.length, h = s.hidden, a = s.heads, dh = s.headSize, ld = 3 * h
        let r = R.span.count, lo = R.span.lowerBound
        let scale = 1 / (3 * Float(dh)).squareRoot()
        Parallel.headPairs(s.batch * a) { thread, pairs in
            let pd = scratch + thread * scratchPerThread(length: t, span: r)
            let c2p = pd + 2 * t * t, p2c = c2p + t * r
            for pair in pairs {
                let b = pair / a, head = pair % a
                let q = qkv + b * t * ld + head * dh, k = q + h, v = q + 2 * h
                let qr = R.rel + lo * 2 * h + head * dh, kr = qr + h
                let m = mask + b * t
                let P = probs + pair * t * t
                sgemm(false, true, t, t, dh, 1, q, ld, k, ld, 0, P, t)
                sgemm(false, true, t, r, dh, 1, q, ld, kr, 2 * h, 0, c2p, r)  // Q·K_rᵀ
                sgemm(false, true, t, r, dh, 1, k, ld, qr, 2 * h, 0, p2c, r)  // K·Q_rᵀ
                for i in 0..<t {
                    let row = P + i * t, ix = R.idx + i * t
                    var mx = -Float.infinity
                    for j in 0..<t {
                        let c = Int(ix[j]) - lo
                        row[j] = (row[j] + c2p[i * r + c] + p2c[j * r + c]) * scale
                        if m[j] != 0 { mx = max(mx, row[j]) }
                    }
                    var sum: Float = 0
                    for j in 0..<t {
                        let e: Float = m[j] != 0 ? expf(row[j] - mx) : 0
                        row[j] = e; sum += e
                    }
                    let inv = sum > 0 ? 1 / sum : 0
                    for j in 0..<t { row[j] *= inv }
                }
                var used = UnsafePointer(P)
                if p > 0 {
                    pd.update(from: P, count: t * t)
                    Dropout.applySerial(pd, count: t * t, p: p, key: key, first: pair * t * t)
                    used = UnsafePointer(pd)
                }
                sgemm(false, false, t, dh, t, 1, used, t, v, ld, 0, context + b * t * h + head * dh, h)
            }
        }
    }

    /// dqkv (overwritten) from dcontext; ∂L/∂rel (rows `span`) added into `drel` per thread:
    /// `drel` holds `Parallel.threads` blocks of [|span|, 2H], summed by the caller.
    static func backward(
        dqkv: UnsafeMutablePointer<Float>, drel: UnsafeMutablePointer<Float>,
        dcontext: UnsafePointer<Float>, qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
        relative R: Relative, shape s: Attention.Shape, dropout p: Float, key: UInt64,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let t = s.length, h = s.hidden, a = s.heads, dh = s.headSize, ld = 3 * h
        let r = R.span.count, lo = R.span.lowerBound
        let scale = 1 / (3 * Float(dh)).squareRoot()
        Parallel.headPairs(s.batch * a) { thread, pairs in
            let dP = scratch + thread * scratchPerThread(length: t, span: r)
            let pd = dP + t * t, dc2p = pd + t * t, dp2c = dc2p + t * r
            let dr = drel + thread * r * 2 * h
            for pair in pairs {
                let b = pair / a, head = pair % a
                let off = b * t * ld + head * dh
                let q = qkv + off, k = q + h, v = q + 2 * h
                let dq = dqkv + off, dk = dq + h, dv = dq + 2 * h
                let qr = R.rel + lo * 2 * h + head * dh, kr = qr + h
                let dqr = dr + head * dh, dkr = dqr + h
                let dC = dcontext + b * t * h + head * dh
                let P = probs + pair * t * t
                var used = P
                if p > 0 {
                    pd.update(from: P, count: t * t)
                    Dropout.applySerial(pd, count: t * t, p: p, key: key, first: pair * t * t)
                    used = UnsafePointer(pd)
                }
                sgemm(true, false, t, dh, t, 1, used, t, dC, h, 0, dv, ld)
                sgemm(false, true, t, t, dh, 1, dC, h, v, ld, 0, dP, t)
                if p > 0 { Dropout.applySerial(dP, count: t * t, p: p, key: key, first: pair * t * t) }
                // dS = scale · P ⊙ (dP − Σ_j dP·P); scattered to the position columns it came from.
                dc2p.update(repeating: 0, count: 2 * t * r)
                for i in 0..<t {
                    let pr = P + i * t, g = dP + i * t, ix = R.idx + i * t
                    var dot: Float = 0
                    for j in 0..<t { dot += pr[j] * g[j] }
                    for j in 0..<t {
                        let d = pr[j] * (g[j] - dot) * scale
                        g[j] = d
                        let c = Int(ix[j]) - lo
                        dc2p[i * r + c] += d
                        dp2c[j * r + c] += d
                    }
                }
                // c2c: dQ = dS·K, dK = dSᵀ·Q; c2p: dQ += dC2P·K_r, dK_r += dC2Pᵀ·Q;
                // p2c: dK += dP2C·Q_r, dQ_r += dP2Cᵀ·K.
                sgemm(false, false, t, dh, t, 1, dP, t, k, ld, 0, dq, ld)
                sgemm(false, false, t, dh, r, 1, dc2p, r, kr, 2 * h, 1, dq, ld)
                sgemm(true, false, t, dh, t, 1, dP, t, q, ld, 0, dk, ld)
                sgemm(false, false, t, dh, r, 1, dp2c, r, qr, 2 * h, 1, dk, ld)
                sgemm(true, false, r, dh, t, 1, dc2p, r, q, ld, 1, dkr, 2 * h)
                sgemm(true, false, r, dh, t, 1, dp2c, r, k, ld, 1, dqr, 2 * h)
            }
        }
    }
}
