import Foundation

/// GELU with the exact erf form, as HF BERT's `hidden_act = "gelu"`:
/// gelu(x) = x · Φ(x), Φ(x) = ½(1 + erf(x/√2)).
/// The forward also stores the local derivative Φ(x) + x·φ(x), so the backward is one
/// multiply instead of a second erf and exp per element (erf was 5% of a `mini` step).
enum GELU {
    static func forward(out: UnsafeMutablePointer<Float>, derivative: UnsafeMutablePointer<Float>,
                        inp: UnsafePointer<Float>, count: Int) {
        Parallel.chunks(count, minimumPerThread: 4096) { _, r in
            for i in r {
                let x = inp[i]
                let cdf = 0.5 * (1 + erff(x * 0.70710678118654752))
                out[i] = x * cdf
                derivative[i] = cdf + x * expf(-0.5 * x * x) * 0.39894228040143268
            }
        }
    }

    /// dinp = dout · gelu'(x); `dinp` may alias `dout`.
    static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                         derivative: UnsafePointer<Float>, count: Int) {
        Parallel.chunks(count, minimumPerThread: 16384) { _, r in
            for i in r { dinp[i] = dout[i] * derivative[i] }
        }
    }
}
