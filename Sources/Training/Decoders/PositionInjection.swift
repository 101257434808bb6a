/// Adds raw absolute position embeddings (no LayerNorm, no dropout) to hidden states:
/// out[b, t] = x[b, t] + W_pos[t]. DeBERTa's EMD does this to its first queries
/// (`masked_language_model.py`: `query_states = hidden + position_embeddings`); BPDec may
/// do it at the decoder input.
enum PositionInjection {
    static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, position: UnsafePointer<Float>,
        batch b: Int, length t: Int, hidden h: Int
    ) {
        Parallel.chunks(b * t, minimumPerThread: 32) { _, r in
            for row in r {
                let x = inp + row * h, p = position + (row % t) * h, o = out + row * h
                for j in 0..<h { o[j] = x[j] + p[j] }
            }
        }
    }

    /// dposition[t] += Σ_b dout[b, t]; split over columns so the sum order is fixed.
    static func backward(
        dout: UnsafePointer<Float>, dposition: UnsafeMutablePointer<Float>,
        batch b: Int, length t: Int, hidden h: Int
    ) {
        Parallel.chunks(h, minimumPerThread: 16) { _, cols in
            let lo = cols.lowerBound, w = cols.count
            for row in 0..<(b * t) {
                let g = dout + row * h + lo, p = dposition + (row % t) * h + lo
                for j in 0..<w { p[j] += g[j] }
            }
        }
    }
}
