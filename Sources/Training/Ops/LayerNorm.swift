import Foundation

/// LayerNorm over the last dimension (HF BERT: eps 1e-12, biased variance).
/// The forward keeps mean and 1/σ per row so the backward needs only the input.
enum LayerNorm {
    static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
        rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        rows n: Int, columns c: Int, eps: Float
    ) {
        Parallel.chunks(n, minimumPerThread: 16) { _, r in
            for row in r {
                normalize(
                    row: row, out: out, mean: mean, rstd: rstd, inp: inp, gamma: gamma, beta: beta, columns: c, eps: eps
                )
            }
        }
    }

    /// The post-LN layer's residual step and its LayerNorm in one pass over the rows:
    /// `sum` holds the branch output and becomes dropout(branch) + `residual` (kept for the
    /// backward), then `out` = LayerNorm(`sum`) while the row is in cache. The same bits as
    /// `Dropout.applyAdding` then `forward`, which read `sum` twice.
    static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
        rstd: UnsafeMutablePointer<Float>, sum: UnsafeMutablePointer<Float>,
        adding residual: UnsafePointer<Float>, dropout p: Float, key: UInt64,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        rows n: Int, columns c: Int, eps: Float
    ) {
        let t = Dropout.threshold(p), scale = 1 / (1 - p)
        Parallel.chunks(n, minimumPerThread: 16) { _, r in
            for row in r {
                let y = sum + row * c, z = residual + row * c
                if p > 0 {
                    Dropout.forEachLanes(
                        key: key, first: row * c, count: c, threshold: t,
                        { i, keep in
                            let v = FastMath.load(y + i, 8) * scale
                            FastMath.store(v.replacing(with: 0, where: .!keep) + FastMath.load(z + i, 8), y + i, 8)
                        }, { i, keep in y[i] = (keep ? y[i] * scale : 0) + z[i] })
                } else {
                    for i in 0..<c { y[i] += z[i] }
                }
                normalize(
                    row: row, out: out, mean: mean, rstd: rstd, inp: sum, gamma: gamma, beta: beta, columns: c, eps: eps
                )
            }
        }
    }

    @inline(__always)
    static func normalize(
        row: Int, out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
        rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, columns c: Int, eps: Float
    ) {
        let x = inp + row * c, y = out + row * c
        let m = FastMath.sum(x, c) / Float(c)
        var acc = FastMath.V(), j = 0
        while j < c {
            let d = FastMath.load(x + j, c - j) - m
            acc +=
                (j + 8 <= c)
                ? d * d
                : (d * d).replacing(
                    with: 0, where: SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= SIMD8<Int32>(repeating: Int32(c - j)))
            j += 8
        }
        let v = acc.sum()
        let rs = 1 / (v / Float(c) + eps).squareRoot()
        for j in 0..<c { y[j] = (x[j] - m) * rs * gamma[j] + beta[j] }
        mean[row] = m; rstd[row] = rs
    }

    /// One row of ∂L/∂inp (overwritten): rs·(dy·γ − mean(dy·γ) − x̂·mean(dy·γ·x̂)), x̂ = (x − m)·rs.
    @inline(__always)
    static func inputGradient(
        row: Int, dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, columns c: Int
    ) {
        let x = inp + row * c, dy = dout + row * c, dx = dinp + row * c
        let m = mean[row], rs = rstd[row]
        // Σ dy·γ and Σ dy·γ·x̂, in SIMD lanes; padding lanes load 0 for dy.
        var aD = FastMath.V(), aDX = FastMath.V(), j = 0
        while j < c {
            let k = c - j
            let d = FastMath.load(dy + j, k) * FastMath.load(gamma + j, k)
            aD += d
            aDX += d * (FastMath.load(x + j, k) - m)
            j += 8
        }
        let meanD = aD.sum() / Float(c), meanDX = aDX.sum() * rs / Float(c)
        for j in 0..<c {
            let xhat = (x[j] - m) * rs
            dx[j] = rs * (dy[j] * gamma[j] - meanD - xhat * meanDX)
        }
    }

    /// dinp = ∂L/∂inp (overwritten); dgamma, dbeta accumulate.
    static func backward(
        dinp: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>,
        dbeta: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, rows n: Int, columns c: Int
    ) {
        Parallel.chunks(n, minimumPerThread: 16) { _, r in
            for row in r {
                inputGradient(
                    row: row, dinp: dinp, dout: dout, inp: inp, mean: mean, rstd: rstd, gamma: gamma, columns: c)
            }
        }
        // Parameter gradients over column blocks: deterministic and race-free.
        Parallel.chunks(c, minimumPerThread: 16) { _, cols in
            let lo = cols.lowerBound, w = cols.count
            for row in 0..<n {
                let x = inp + row * c + lo, dy = dout + row * c + lo
                let m = mean[row], rs = rstd[row]
                for j in 0..<w {
                    dgamma[lo + j] += dy[j] * (x[j] - m) * rs
                    dbeta[lo + j] += dy[j]
                }
            }
        }
    }

    /// `backward`, then the dropout backward of the residual branch that fed this LayerNorm,
    /// in one pass over the rows (the post-LN layer's two sites): writes `dinp` (∂L/∂ the
    /// residual sum, which also feeds the skip connection) and `branch` = dropout(`dinp`), and
    /// adds dgamma, dbeta and the branch's bias gradient (column sums of `branch`). The sums go
    /// through two fixed row groups' partials (`partials`: 6·columns floats), added at the end,
    /// so the bits depend on neither thread count nor timing. Before, the same work took three
    /// passes (rows, then γ/β over column blocks, then the dropout over column blocks), each
    /// reading the [rows, columns] gradient again.
    static func backwardThroughDropout(
        dinp: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>,
        dbeta: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, rows n: Int, columns c: Int,
        branch: UnsafeMutablePointer<Float>, p: Float, key: UInt64,
        biasGradient: UnsafeMutablePointer<Float>, partials: UnsafeMutablePointer<Float>
    ) {
        precondition(p > 0)
        let t = Dropout.threshold(p), scale = 1 / (1 - p)
        typealias V = FastMath.V
        Parallel.chunks(2) { _, groups in
            for group in groups {
                let pg = partials + group * 3 * c, pb = pg + c, pd = pb + c
                pg.update(repeating: 0, count: 3 * c)
                for row in (n * group / 2)..<(n * (group + 1) / 2) {
                    let x = inp + row * c, dy = dout + row * c, dx = dinp + row * c, br = branch + row * c
                    let m = mean[row], rs = rstd[row]
                    inputGradient(
                        row: row, dinp: dinp, dout: dout, inp: inp, mean: mean, rstd: rstd, gamma: gamma, columns: c)
                    Dropout.dropRow(into: br, from: dx, count: c, first: row * c, key: key, threshold: t, scale: scale)
                    let mv = V(repeating: m), rv = V(repeating: rs)
                    var j = 0
                    while j + 8 <= c {
                        let d = FastMath.load(dy + j, 8)
                        FastMath.store(FastMath.load(pg + j, 8) + d * (FastMath.load(x + j, 8) - mv) * rv, pg + j, 8)
                        FastMath.store(FastMath.load(pb + j, 8) + d, pb + j, 8)
                        FastMath.store(FastMath.load(pd + j, 8) + FastMath.load(br + j, 8), pd + j, 8)
                        j += 8
                    }
                    while j < c {
                        pg[j] += dy[j] * (x[j] - m) * rs
                        pb[j] += dy[j]
                        pd[j] += br[j]
                        j += 1
                    }
                }
            }
        }
        let second = partials + 3 * c
        for j in 0..<c {
            dgamma[j] += partials[j] + second[j]
            dbeta[j] += partials[c + j] + second[c + j]
            biasGradient[j] += partials[2 * c + j] + second[2 * c + j]
        }
    }
}
