import Foundation

/// Softmax cross-entropy over the vocabulary for the gathered masked rows only.
enum CrossEntropy {
    /// Writes per-row losses and whether the argmax hit the label; replaces `logits` by
    /// ∂(scale · mean loss)/∂logits in place so the [M, V] buffer is used once.
    static func forwardBackward(logits: UnsafeMutablePointer<Float>, labels: UnsafePointer<Int32>,
                                rows m: Int, vocabulary v: Int, gradientScale: Float,
                                losses: UnsafeMutablePointer<Float>, hits: UnsafeMutablePointer<Float>) {
        let g = m > 0 ? gradientScale / Float(m) : 0
        Parallel.chunks(m, minimumPerThread: 4) { _, r in
            for row in r {
                let x = logits + row * v
                var (mx, arg) = FastMath.maxAndFirstIndex(x, v)
                if !mx.isFinite {  // all NaN or ±∞ somewhere: the plain scan's answer
                    mx = FastMath.max(x, v); arg = 0
                    while arg < v - 1 && x[arg] != mx { arg += 1 }  // bounded: NaN ≠ NaN
                }
                let label = Int(labels[row])
                let z = x[label] - mx
                let sum = FastMath.expShiftInPlace(x, v, shift: mx)
                losses[row] = logf(sum) - z
                hits[row] = arg == label ? 1 : 0
                FastMath.scale(x, v, by: g / sum)
                x[label] -= g
            }
        }
    }
}
