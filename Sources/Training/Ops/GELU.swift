import Foundation

/// GELU with the exact erf form, as HF BERT's `hidden_act = "gelu"`:
/// gelu(x) = x · Φ(x), Φ(x) = ½(1 + erf(x/√2)).
enum GELU {
    static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        Parallel.chunks(count, minimumPerThread: 4096) { _, r in
            for i in r {
                let x = inp[i]
                out[i] = 0.5 * x * (1 + erff(x * 0.70710678118654752))
            }
        }
    }

    /// dinp = dout · (Φ(x) + x·φ(x)); `dinp` may alias `dout`.
    static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                         inp: UnsafePointer<Float>, count: Int) {
        Parallel.chunks(count, minimumPerThread: 4096) { _, r in
            for i in r {
                let x = inp[i]
                let cdf = 0.5 * (1 + erff(x * 0.70710678118654752))
                let pdf = expf(-0.5 * x * x) * 0.39894228040143268
                dinp[i] = dout[i] * (cdf + x * pdf)
            }
        }
    }
}
