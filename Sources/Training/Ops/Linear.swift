/// Fully connected layer with PyTorch's weight layout (out, in):
/// forward is an NT GEMM, the weight gradient a TN GEMM (llm.c's `matmul_forward/backward`).
enum Linear {
    /// out[n, o] = Σ_i inp[n, i] · w[o, i] + b[o]
    static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        rows n: Int, inputs i: Int, outputs o: Int
    ) {
        if let bias {
            // Seed C with the bias so the GEMM adds it (beta = 1) instead of a separate pass.
            Parallel.chunks(n, minimumPerThread: 64) { _, r in
                for row in r { (out + row * o).update(from: bias, count: o) }
            }
            parallelSgemm(false, true, n, o, i, 1, inp, i, weight, i, 1, out, o)
        } else {
            parallelSgemm(false, true, n, o, i, 1, inp, i, weight, i, 0, out, o)
        }
    }

    /// dinp = dout · w (overwritten, or added when `accumulateInput`);
    /// dweight += doutᵀ · inp; dbias += Σ_rows dout.
    static func backward(
        dinp: UnsafeMutablePointer<Float>?, accumulateInput: Bool = false,
        dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows n: Int, inputs i: Int, outputs o: Int
    ) {
        if let dinp {
            parallelSgemm(false, false, n, i, o, 1, dout, o, weight, i, accumulateInput ? 1 : 0, dinp, i)
        }
        parallelSgemm(true, false, o, i, n, 1, dout, o, inp, i, 1, dweight, i)
        if let dbias { ColumnSum.accumulate(into: dbias, dout, rows: n, columns: o) }
    }
}

/// Column sums of a row-major matrix, split over column blocks so the result does not
/// depend on the thread count (no cross-thread reduction).
enum ColumnSum {
    static func accumulate(
        into acc: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
        rows n: Int, columns c: Int
    ) {
        Parallel.chunks(c, minimumPerThread: 16) { _, cols in
            let lo = cols.lowerBound, w = cols.count
            for row in 0..<n {
                let src = x + row * c + lo
                let dst = acc + lo
                for j in 0..<w { dst[j] += src[j] }
            }
        }
    }
}
