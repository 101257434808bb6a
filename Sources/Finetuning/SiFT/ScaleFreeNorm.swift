import Foundation

/// LayerNorm without affine parameters (`torch.nn.LayerNorm(H, eps, elementwise_affine=False)`,
/// biased variance), the normalisation SiFT perturbs in: its output has the same scale for
/// every model and token, so one perturbation size fits all.
struct ScaleFreeNorm {
    let columns: Int
    let eps: Float
    private(set) var mean: [Float] = [], rstd: [Float] = []
    /// The input rows of the last forward (the backward needs them).
    private(set) var input: [Float] = []

    init(columns: Int, eps: Float) { self.columns = columns; self.eps = eps }

    /// Normalises `rows` rows of `x` in place, keeping what the backward needs.
    mutating func forward(_ x: UnsafeMutablePointer<Float>, rows: Int) {
        let c = columns
        input = Array(UnsafeBufferPointer(start: x, count: rows * c))
        mean = .init(repeating: 0, count: rows); rstd = .init(repeating: 0, count: rows)
        for r in 0..<rows {
            let row = x + r * c
            var m: Float = 0
            for j in 0..<c { m += row[j] }
            m /= Float(c)
            var v: Float = 0
            for j in 0..<c { v += (row[j] - m) * (row[j] - m) }
            let rs = 1 / (v / Float(c) + eps).squareRoot()
            for j in 0..<c { row[j] = (row[j] - m) * rs }
            mean[r] = m; rstd[r] = rs
        }
    }

    /// ∂L/∂input from ∂L/∂output (`rows` rows), the affine-free LayerNorm backward.
    func backward(_ dout: UnsafePointer<Float>, rows: Int) -> [Float] {
        let c = columns
        var dx = [Float](repeating: 0, count: rows * c)
        for r in 0..<rows {
            let m = mean[r], rs = rstd[r], dy = dout + r * c
            var sd: Float = 0, sdx: Float = 0
            for j in 0..<c {
                sd += dy[j]
                sdx += dy[j] * (input[r * c + j] - m) * rs
            }
            sd /= Float(c); sdx /= Float(c)
            for j in 0..<c { dx[r * c + j] = rs * (dy[j] - sd - (input[r * c + j] - m) * rs * sdx) }
        }
        return dx
    }
}
