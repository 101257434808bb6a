/// Vectorised exp, erf and reductions for the element-wise ops.
///
/// Why: Swift calls libm's scalar `expf`/`erff` per element and does not reorder float sums,
/// so softmax, cross-entropy, GELU and LayerNorm ran scalar (~25% of a `mini` step in `perf`).
/// These use SIMD8 lanes; accuracy (≈2 ulp for exp, 1.5e-7 absolute for erf) is far inside
/// the 1e-4 parity budget against PyTorch.
enum FastMath {
    typealias V = SIMD8<Float>
    static let width = 8

    /// e^x (Cephes `expf` polynomial with a Cody–Waite split of ln 2).
    @inline(__always)
    static func exp(_ x: V) -> V {
        var x = x.replacing(with: -87.3, where: x .< -87.3)
        x = x.replacing(with: 88.3, where: x .> 88.3)
        // Round x·log2(e) to an integer with the 1.5·2^23 trick: the sum's low mantissa bits
        // hold the integer. (Swift's generic SIMD float→int conversion is scalar and slow.)
        let shifted = fma(x, 1.44269504088896341, 12582912)
        let n = shifted - 12582912
        var r = fma(n, -0.693359375, x)
        r = fma(n, 2.12194440e-4, r)
        var p = fma(V(repeating: 1.9875691500e-4), r, 1.3981999507e-3)
        p = fma(p, r, 8.3334519073e-3)
        p = fma(p, r, 4.1665795894e-2)
        p = fma(p, r, 1.6666665459e-1)
        p = fma(p, r, 5.0000001201e-1)
        let y = fma(p, r * r, r + 1)
        let e = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return y * unsafeBitCast(e, to: V.self)
    }

    /// GELU (erf form) and its derivative at x, sharing one exp:
    /// Φ(x) = ½(1 + erf(x/√2)) with Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7),
    /// gelu = x·Φ, gelu' = Φ + x·φ, φ(x) = e^{−x²/2}/√(2π).
    @inline(__always)
    static func gelu(_ x: V) -> (value: V, derivative: V) {
        let z = x.replacing(with: -x, where: x .< 0) * 0.70710678118654752
        let t = 1 / fma(z, 0.3275911, 1)
        var poly = fma(V(repeating: 1.061405429), t, -1.453152027)
        poly = fma(poly, t, 1.421413741)
        poly = fma(poly, t, -0.284496736)
        poly = fma(poly, t, 0.254829592)
        let g = exp(-(z * z))  // = e^{−x²/2}
        let erfAbs = fma(-(poly * t), g, 1)
        let erf = erfAbs.replacing(with: -erfAbs, where: x .< 0)
        let cdf = fma(erf, 0.5, 0.5)
        return (x * cdf, fma(x * g, 0.39894228040143268, cdf))
    }

    /// a·b + c with one rounding. Written out because Swift does not contract `a * b + c`
    /// into an FMA; `addingProduct` lowers to `llvm.fma`, one `vfmadd` per 8 lanes with the
    /// release build's `-target-cpu haswell`.
    @inline(__always)
    static func fma(_ a: V, _ b: V, _ c: V) -> V { c.addingProduct(a, b) }

    @inline(__always)
    static func fma(_ a: V, _ b: Float, _ c: Float) -> V {
        V(repeating: c).addingProduct(a, V(repeating: b))
    }

    @inline(__always)
    static func fma(_ a: V, _ b: V, _ c: Float) -> V { V(repeating: c).addingProduct(a, b) }

    @inline(__always)
    static func fma(_ a: V, _ b: Float, _ c: V) -> V { c.addingProduct(a, V(repeating: b)) }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ count: Int, pad: Float = 0) -> V {
        if count >= width { return UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var v = V(repeating: pad)
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= width { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self); return }
        for i in 0..<count { p[i] = v[i] }
    }

    @inline(__always)
    static func sum(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V(), j = 0
        while j < n { acc += load(a + j, n - j); j += width }
        return acc.sum()
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V(), j = 0
        while j < n { acc += load(a + j, n - j) * load(b + j, n - j); j += width }
        return acc.sum()
    }

    @inline(__always)
    static func max(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V(repeating: -.infinity), j = 0
        while j < n {
            let v = load(a + j, n - j, pad: -.infinity)
            acc = acc.replacing(with: v, where: v .> acc)
            j += width
        }
        return acc.max()
    }

    /// The maximum of a[0..<n] (NaNs ignored) and the first index holding it, in one pass:
    /// each lane keeps its first maximum (strict >), then the smallest index among the lanes
    /// that hold the overall maximum wins.
    @inline(__always)
    static func maxAndFirstIndex(_ a: UnsafePointer<Float>, _ n: Int) -> (Float, Int) {
        var acc = V(repeating: -.infinity), at = SIMD8<Int32>(repeating: Int32.max), j = 0
        let lane = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        while j < n {
            let v = load(a + j, n - j, pad: -.infinity)
            let better = v .> acc
            acc = acc.replacing(with: v, where: better)
            at = at.replacing(with: lane &+ Int32(j), where: better)
            j += width
        }
        let mx = acc.max()
        return (mx, Int(at.replacing(with: Int32.max, where: acc .!= mx).min()))
    }

    /// max over j with mask[j] ≠ 0 of a[j]; −∞ when every entry is masked out.
    @inline(__always)
    static func maskedMax(_ a: UnsafePointer<Float>, _ mask: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V(repeating: -.infinity), j = 0
        while j < n {
            let v = load(a + j, n - j, pad: -.infinity).replacing(with: -.infinity, where: load(mask + j, n - j) .== 0)
            acc = acc.replacing(with: v, where: v .> acc)
            j += width
        }
        return acc.max()
    }

    /// a[j] ← e^{a[j] − shift}·(mask?[j] ?? 1); returns the sum.
    @inline(__always)
    static func expShiftInPlace(
        _ a: UnsafeMutablePointer<Float>, _ n: Int, shift: Float,
        mask: UnsafePointer<Float>? = nil
    ) -> Float {
        var acc = V(), j = 0
        let s = V(repeating: shift)
        while j < n {
            let c = n - j
            var e = exp(load(a + j, c) - s)
            if let mask { e *= load(mask + j, c) }
            store(e, a + j, c)
            if c < width { for i in c..<width { e[i] = 0 } }
            acc += e
            j += width
        }
        return acc.sum()
    }

    /// acc += a, element by element (the same bits as a scalar loop).
    @inline(__always)
    static func add(_ a: UnsafePointer<Float>, into acc: UnsafeMutablePointer<Float>, _ n: Int) {
        var j = 0
        while j + 8 <= n { store(load(acc + j, 8) + load(a + j, 8), acc + j, 8); j += 8 }
        while j < n { acc[j] += a[j]; j += 1 }
    }

    /// a *= k, and acc += the scaled a.
    @inline(__always)
    static func scaleAccumulating(
        _ a: UnsafeMutablePointer<Float>, _ n: Int, by k: Float,
        into acc: UnsafeMutablePointer<Float>
    ) {
        var j = 0
        while j < n {
            let c = n - j, x = load(a + j, c) * k
            store(x, a + j, c)
            store(load(acc + j, c) + x, acc + j, c)
            j += width
        }
    }

    @inline(__always)
    static func scale(_ a: UnsafeMutablePointer<Float>, _ n: Int, by k: Float) {
        var j = 0
        while j < n { store(load(a + j, n - j) * k, a + j, n - j); j += width }
    }
}
