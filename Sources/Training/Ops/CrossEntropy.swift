import Foundation

/// Softmax cross-entropy over the vocabulary for the gathered masked rows only.
enum CrossEntropy {
    /// Writes per-row losses and whether the argmax hit the label; replaces `logits` by
    /// ∂(scale · mean loss)/∂logits in place so the [M, V] buffer is used once.
    ///
    /// With `biasPartials` (2·V floats) it also sums the gradient rows into two partial
    /// column sums, rows [0, M/2) into the first and [M/2, M) into the second, while each
    /// row is still in cache: the output bias gradient is their sum (`addBiasGradient`).
    /// A separate `ColumnSum` pass read the whole [M, V] gradient again (78 MB for `mini`).
    /// The two row groups are fixed, so the bits depend on neither thread count nor timing.
    static func forwardBackward(
        logits: UnsafeMutablePointer<Float>, labels: UnsafePointer<UInt32>,
        rows m: Int, vocabulary v: Int, gradientScale: Float,
        losses: UnsafeMutablePointer<Float>, hits: UnsafeMutablePointer<Float>,
        biasPartials: UnsafeMutablePointer<Float>? = nil, normalizer: Int? = nil
    ) {
        // The mean is over `normalizer` predictions when given: data-parallel ranks each hold
        // some of the global batch's predictions and divide by all of them.
        let count = normalizer ?? m
        let g = count > 0 ? gradientScale / Float(count) : 0
        func row(_ row: Int, partial: UnsafeMutablePointer<Float>?) {
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
            if let partial {
                FastMath.scaleAccumulating(x, v, by: g / sum, into: partial)
                x[label] -= g
                partial[label] -= g
            } else {
                FastMath.scale(x, v, by: g / sum)
                x[label] -= g
            }
        }
        if let biasPartials {
            Parallel.chunks(2) { _, groups in
                for group in groups {
                    let partial = biasPartials + group * v
                    partial.update(repeating: 0, count: v)
                    for r in (m * group / 2)..<(m * (group + 1) / 2) { row(r, partial: partial) }
                }
            }
        } else {
            Parallel.chunks(m, minimumPerThread: 4) { _, r in
                for i in r { row(i, partial: nil) }
            }
        }
    }

    /// bias += first + second partial (from `forwardBackward(biasPartials:)`), column blocks
    /// over the threads.
    static func addBiasGradient(
        _ bias: UnsafeMutablePointer<Float>, partials p: UnsafePointer<Float>, vocabulary v: Int
    ) {
        Parallel.chunks(v, minimumPerThread: 4096) { _, cols in
            for j in cols { bias[j] += p[j] + p[v + j] }
        }
    }
}
