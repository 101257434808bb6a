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
                var mx = -Float.infinity, arg = 0
                for j in 0..<v where x[j] > mx { mx = x[j]; arg = j }
                let label = Int(labels[row])
                let z = x[label] - mx
                var sum: Float = 0
                for j in 0..<v { let e = expf(x[j] - mx); x[j] = e; sum += e }
                losses[row] = logf(sum) - z
                hits[row] = arg == label ? 1 : 0
                let inv = g / sum
                for j in 0..<v { x[j] *= inv }
                x[label] -= g
            }
        }
    }
}
