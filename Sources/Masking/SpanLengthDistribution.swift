/// SpanBERT's span-length law: geometric with p = 0.2, clipped to 1...10 words and
/// renormalised (Joshi et al. 2020, §3.1; facebookresearch/SpanBERT `PairWithSpanMaskingScheme`),
/// mean ≈ 3.8 words.
struct SpanLengthDistribution: Sendable, Hashable {
    let lengths: ClosedRange<Int>
    /// P(length = lengths.lowerBound + i).
    let probabilities: [Double]
    let cumulative: [Double]

    init(p: Double = 0.2, lengths: ClosedRange<Int> = 1...10) {
        self.lengths = lengths
        let raw = lengths.map { p * pow1m(1 - p, $0 - lengths.lowerBound) }
        let total = raw.reduce(0, +)
        probabilities = raw.map { $0 / total }
        var c: [Double] = []
        var acc = 0.0
        for q in probabilities { acc += q; c.append(acc) }
        c[c.count - 1] = 1
        cumulative = c
    }

    var mean: Double {
        zip(lengths, probabilities).reduce(0) { $0 + Double($1.0) * $1.1 }
    }

    /// Inverse-CDF draw.
    @inline(__always)
    func sample<R: RandomNumberGenerator>(using random: inout R) -> Int {
        let u = random.drawUnit()
        var i = 0
        while i < cumulative.count - 1 && u >= cumulative[i] { i += 1 }
        return lengths.lowerBound + i
    }
}

private func pow1m(_ q: Double, _ k: Int) -> Double {
    var r = 1.0
    for _ in 0..<k { r *= q }
    return r
}

/// Megatron / DeBERTa n-gram law: P(n) ∝ 1/n on 1...maxN; when fewer than maxN words
/// remain, renormalised over the lengths that fit (Megatron `create_masked_lm_predictions`).
struct NgramLengthDistribution: Sendable, Hashable {
    let maxN: Int
    /// cumulative[k - 1]: the CDF over 1...k.
    let cumulative: [[Double]]

    init(maxN: Int) {
        self.maxN = maxN
        var tables: [[Double]] = []
        for k in 1...max(1, maxN) {
            let total = (1...k).reduce(0.0) { $0 + 1 / Double($1) }
            var acc = 0.0
            var c = (1...k).map { n -> Double in
                acc += 1 / Double(n) / total; return acc
            }
            c[c.count - 1] = 1
            tables.append(c)
        }
        cumulative = tables
    }

    @inline(__always)
    func sample<R: RandomNumberGenerator>(upTo k: Int, using random: inout R) -> Int {
        let c = cumulative[k - 1]
        let u = random.drawUnit()
        var i = 0
        while i < c.count - 1 && u >= c[i] { i += 1 }
        return i + 1
    }
}
