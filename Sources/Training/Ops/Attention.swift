import Foundation

/// Multi-head scaled dot-product self-attention over a fused QKV buffer.
///
/// Layout: `qkv` is [B·T, 3H] (query | key | value columns, each split into A heads of d_h);
/// `context` is [B·T, H]; `probs` keeps the softmax [B, A, T, T] for the backward.
/// Each (batch, head) pair is a few 128×64 GEMMs — too small for a threaded BLAS — so we
/// parallelise over pairs ourselves with OpenBLAS held at one thread.
/// Keys where `mask == 0` get probability exactly 0, as HF's additive finfo.min mask does.
enum Attention {
    struct Shape {
        var batch: Int, length: Int, hidden: Int, heads: Int
        var headSize: Int { hidden / heads }
    }

    /// Scratch needed per thread: two T×T matrices and a key-mask row.
    static func scratchPerThread(length t: Int) -> Int { 2 * t * t + t }

    /// With dropout (`p > 0`), `dropped` [B, A, T, T] keeps the dropped-out probabilities:
    /// the backward needs them for dV, and reads the mask back from them (an entry is dropped
    /// iff it is 0 there), so the mask is hashed once per step instead of three times.
    static func forward(
        context: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
        dropped: UnsafeMutablePointer<Float>?,
        qkv: UnsafePointer<Float>, mask: UnsafePointer<UInt32>, shape s: Shape,
        dropout p: Float, key: UInt64, scratch: UnsafeMutablePointer<Float>
    ) {
        precondition(p == 0 || dropped != nil, "attention dropout needs the dropped-probabilities buffer")
        let t = s.length, h = s.hidden, a = s.heads, dh = s.headSize, ld = 3 * h
        let scale = 1 / Float(dh).squareRoot()
        let threshold = Dropout.threshold(p), dropScale = 1 / (1 - p)
        Parallel.headPairs(s.batch * a) { thread, pairs in
            let pd = scratch + thread * scratchPerThread(length: t)
            let keep = pd + 2 * t * t  // 1 for real keys, 0 for padding
            for pair in pairs {
                let b = pair / a, head = pair % a
                let q = qkv + b * t * ld + head * dh, k = q + h, v = q + 2 * h
                let m = mask + b * t
                let P = probs + pair * t * t
                sgemm(false, true, t, t, dh, scale, q, ld, k, ld, 0, P, t)
                for j in 0..<t { keep[j] = m[j] != 0 ? 1 : 0 }
                let D = dropped.map { $0 + pair * t * t }
                for i in 0..<t {
                    let row = P + i * t
                    let mx = FastMath.maskedMax(row, keep, t)
                    let sum = FastMath.expShiftInPlace(row, t, shift: mx, mask: keep)
                    FastMath.scale(row, t, by: sum > 0 ? 1 / sum : 0)
                    // Dropout of the row straight into `dropped` (no copy of P first).
                    if p > 0, let D {
                        Dropout.dropRow(
                            into: D + i * t, from: row, count: t, first: pair * t * t + i * t,
                            key: key, threshold: threshold, scale: dropScale)
                    }
                }
                let used: UnsafePointer<Float> = if p > 0, let D { UnsafePointer(D) } else { UnsafePointer(P) }
                attentionSgemm(false, t, dh, t, 1, used, t, v, ld, context + b * t * h + head * dh, h)
            }
        }
    }

    /// dqkv (overwritten) from dcontext. With `biasPartials` ([B, 3H]) it also writes, per
    /// batch row b, the column sums of dqkv over that row's T positions, taken from each
    /// (batch, head) pair's slices while they are in cache: the QKV bias gradient is their sum
    /// over b (`addBiasGradient`), which saves a `ColumnSum` pass over the [B·T, 3H] gradient.
    /// Each pair writes only its own columns of its batch row, so threads never share one.
    static func backward(
        dqkv: UnsafeMutablePointer<Float>, dcontext: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>, dropped: UnsafePointer<Float>?,
        shape s: Shape, dropout p: Float, scratch: UnsafeMutablePointer<Float>,
        biasPartials: UnsafeMutablePointer<Float>? = nil
    ) {
        let t = s.length, h = s.hidden, a = s.heads, dh = s.headSize, ld = 3 * h
        let scale = 1 / Float(dh).squareRoot()
        Parallel.headPairs(s.batch * a) { thread, pairs in
            let dP = scratch + thread * scratchPerThread(length: t)
            for pair in pairs {
                let b = pair / a, head = pair % a
                let off = b * t * ld + head * dh
                let q = qkv + off, k = q + h, v = q + 2 * h
                let dq = dqkv + off, dk = dq + h, dv = dq + 2 * h
                let dC = dcontext + b * t * h + head * dh
                let P = probs + pair * t * t
                var used = P
                if p > 0, let dropped { used = dropped + pair * t * t }
                // dV = P_dropᵀ · dC ; dP_drop = dC · Vᵀ
                attentionSgemm(true, t, dh, t, 1, used, t, dC, h, dv, ld)
                sgemm(false, true, t, t, dh, 1, dC, h, v, ld, 0, dP, t)
                // Through the dropout (kept entries scale by 1/(1−p), dropped ones get 0), then
                // the softmax backward dS = P ⊙ (dP − Σ_j dP·P), one row at a time while it is in L1.
                let dropScale = 1 / (1 - p)
                for i in 0..<t {
                    let pr = P + i * t, g = dP + i * t
                    if p > 0 {
                        let u = used + i * t
                        for j in 0..<t { g[j] = u[j] != 0 ? g[j] * dropScale : 0 }
                    }
                    let dot = FastMath.dot(pr, g, t)
                    for j in 0..<t { g[j] = pr[j] * (g[j] - dot) }
                }
                // dQ = scale · dS · K ; dK = scale · dSᵀ · Q
                attentionSgemm(false, t, dh, t, scale, dP, t, k, ld, dq, ld)
                attentionSgemm(true, t, dh, t, scale, dP, t, q, ld, dk, ld)
                if let biasPartials {
                    let row = biasPartials + b * ld + head * dh
                    sumColumns(dq, into: row, rows: t, columns: dh, stride: ld)
                    sumColumns(dk, into: row + h, rows: t, columns: dh, stride: ld)
                    sumColumns(dv, into: row + 2 * h, rows: t, columns: dh, stride: ld)
                }
            }
        }
    }

    /// acc = column sums of a [rows, columns] slice with row stride `stride`, rows in order.
    @inline(__always)
    static func sumColumns(
        _ x: UnsafePointer<Float>, into acc: UnsafeMutablePointer<Float>, rows: Int, columns c: Int, stride: Int
    ) {
        acc.update(repeating: 0, count: c)
        for i in 0..<rows { FastMath.add(x + i * stride, into: acc, c) }
    }

    /// bias += Σ_b biasPartials[b] (b in order), over column blocks.
    static func addBiasGradient(
        _ bias: UnsafeMutablePointer<Float>, partials: UnsafePointer<Float>, batch: Int, columns c: Int
    ) {
        Parallel.chunks(c, minimumPerThread: 256) { _, cols in
            for j in cols {
                var sum: Float = 0
                for b in 0..<batch { sum += partials[b * c + j] }
                bias[j] += sum
            }
        }
    }
}
