import Foundation

/// LayerNorm over the last dimension (HF BERT: eps 1e-12, biased variance).
/// The forward keeps mean and 1/σ per row so the backward needs only the input.
enum LayerNorm {
    static func forward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                        rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                        rows n: Int, columns c: Int, eps: Float) {
        Parallel.chunks(n, minimumPerThread: 16) { _, r in
            for row in r {
                let x = inp + row * c, y = out + row * c
                var s: Float = 0
                for j in 0..<c { s += x[j] }
                let m = s / Float(c)
                var v: Float = 0
                for j in 0..<c { let d = x[j] - m; v += d * d }
                let rs = 1 / (v / Float(c) + eps).squareRoot()
                for j in 0..<c { y[j] = (x[j] - m) * rs * gamma[j] + beta[j] }
                mean[row] = m; rstd[row] = rs
            }
        }
    }

    /// dinp = ∂L/∂inp (overwritten); dgamma, dbeta accumulate.
    static func backward(dinp: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>,
                         dbeta: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                         inp: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                         gamma: UnsafePointer<Float>, rows n: Int, columns c: Int) {
        Parallel.chunks(n, minimumPerThread: 16) { _, r in
            for row in r {
                let x = inp + row * c, dy = dout + row * c, dx = dinp + row * c
                let m = mean[row], rs = rstd[row]
                var sumD: Float = 0, sumDX: Float = 0
                for j in 0..<c {
                    let d = dy[j] * gamma[j]
                    sumD += d
                    sumDX += d * (x[j] - m) * rs
                }
                let meanD = sumD / Float(c), meanDX = sumDX / Float(c)
                for j in 0..<c {
                    let xhat = (x[j] - m) * rs
                    dx[j] = rs * (dy[j] * gamma[j] - meanD - xhat * meanDX)
                }
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
}
