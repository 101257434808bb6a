/// BERT input embeddings before the LayerNorm: word + position + token type.
enum Embedding {
    static func forward(
        out: UnsafeMutablePointer<Float>, ids: UnsafePointer<UInt32>,
        types: UnsafePointer<UInt32>, batch b: Int, length t: Int, hidden h: Int,
        word: UnsafePointer<Float>, position: UnsafePointer<Float>?,
        type: UnsafePointer<Float>
    ) {
        Parallel.chunks(b * t, minimumPerThread: 32) { _, r in
            for row in r {
                let w = word + Int(ids[row]) * h
                let ty = type + Int(types[row]) * h
                let o = out + row * h
                if let position {  // nil: no absolute positions (disentangled attention)
                    let p = position + (row % t) * h
                    for j in 0..<h { o[j] = w[j] + p[j] + ty[j] }
                } else {
                    for j in 0..<h { o[j] = w[j] + ty[j] }
                }
            }
        }
    }

    /// Scatter-add of the gradient into the three tables. Split over hidden columns so
    /// rows sharing a token id never race and the sum order is fixed.
    /// Rows whose id is `paddingID` add nothing to the word table, as `nn.Embedding(padding_idx:)`
    /// in HF's `BertEmbeddings` does.
    static func backward(
        dout: UnsafePointer<Float>, ids: UnsafePointer<UInt32>, types: UnsafePointer<UInt32>,
        batch b: Int, length t: Int, hidden h: Int, paddingID: UInt32,
        dword: UnsafeMutablePointer<Float>, dposition: UnsafeMutablePointer<Float>?,
        dtype: UnsafeMutablePointer<Float>
    ) {
        Parallel.chunks(h, minimumPerThread: 16) { _, cols in
            let lo = cols.lowerBound, w = cols.count
            for row in 0..<(b * t) {
                let g = dout + row * h + lo
                let ty = dtype + Int(types[row]) * h + lo
                for j in 0..<w { ty[j] += g[j] }
                if let dposition {
                    let p = dposition + (row % t) * h + lo
                    for j in 0..<w { p[j] += g[j] }
                }
                if ids[row] != paddingID {
                    let wd = dword + Int(ids[row]) * h + lo
                    for j in 0..<w { wd[j] += g[j] }
                }
            }
        }
    }
}
