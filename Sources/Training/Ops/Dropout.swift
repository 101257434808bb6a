/// Inverted dropout whose mask is a pure function of (key, element index).
///
/// Why counter-based: the mask needs no storage (the backward recomputes it), it does not
/// depend on how elements are split over threads, and a resumed run draws the same masks
/// as an uninterrupted one because the key is derived from (seed, step, micro-step, site).
enum Dropout {
    /// Key for one dropout site in one micro-step.
    @inline(__always)
    static func key(seed: UInt64, step: Int, micro: Int, site: Int) -> UInt64 {
        var h = mix(seed ^ 0x5DEECE66D)
        h = mix(h ^ UInt64(truncatingIfNeeded: step))
        h = mix(h ^ UInt64(truncatingIfNeeded: micro) &* 0x100000001B3)
        return mix(h ^ UInt64(truncatingIfNeeded: site) &* 0x9E3779B97F4A7C15)
    }

    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {  // SplitMix64 finaliser
        var z = x &+ 0x9E3779B97F4A7C15
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    /// One 64-bit hash serves two neighbouring elements (high and low 32 bits).
    @inline(__always)
    static func keeps(_ key: UInt64, _ index: Int, threshold: UInt32) -> Bool {
        let h = mix(key &+ UInt64(truncatingIfNeeded: index >> 1) &* 0xD1B54A32D192ED03)
        return UInt32(truncatingIfNeeded: index & 1 == 0 ? h >> 32 : h) >= threshold
    }

    @inline(__always)
    static func threshold(_ p: Float) -> UInt32 { UInt32(min(Double(p) * 4294967296.0, 4294967295.0)) }

    typealias Lanes = SIMD8<Float>
    typealias KeepMask = SIMDMask<SIMD8<Int32>>

    /// `keeps` for the 8 elements `index ..< index+8` (`index` even) in SIMD lanes: four
    /// `mix` hashes computed side by side, the high half of each for the even element.
    @inline(__always)
    static func keepMask(_ key: UInt64, _ index: Int, threshold t: SIMD8<UInt32>) -> KeepMask {
        let step: UInt64 = 0xD1B54A32D192ED03
        let base = key &+ UInt64(truncatingIfNeeded: index >> 1) &* step
        var z = SIMD4<UInt64>(repeating: base) &+ SIMD4<UInt64>(0, step, step &* 2, step &* 3)
        z &+= SIMD4<UInt64>(repeating: 0x9E3779B97F4A7C15)
        z = (z ^ (z &>> 30)) &* SIMD4<UInt64>(repeating: 0xBF58476D1CE4E5B9)
        z = (z ^ (z &>> 27)) &* SIMD4<UInt64>(repeating: 0x94D049BB133111EB)
        z = z ^ (z &>> 31)
        let u = unsafeBitCast(z, to: SIMD8<UInt32>.self)  // little-endian: (low, high) per hash
        return SIMD8<UInt32>(u[1], u[0], u[3], u[2], u[5], u[4], u[7], u[6]) .>= t
    }

    /// Element-wise dropout over `0..<count` (element indices `first...`): `vector(i, x, keep)`
    /// for 8 elements at a time where the hash pairs line up, `scalar(i, keep)` for the rest.
    /// `vector` gets `x` loaded from `source + i`.
    @inline(__always)
    static func forEachLanes(
        key: UInt64, first: Int, count: Int, threshold t: UInt32,
        _ vector: (Int, KeepMask) -> Void, _ scalar: (Int, Bool) -> Void
    ) {
        guard count > 0 else { return }
        var i = 0
        if first & 1 == 1 { scalar(0, keeps(key, first, threshold: t)); i = 1 }
        let tv = SIMD8<UInt32>(repeating: t)
        while i + 8 <= count {
            vector(i, keepMask(key, first + i, threshold: tv))
            i += 8
        }
        while i < count { scalar(i, keeps(key, first + i, threshold: t)); i += 1 }
    }

    /// x[i] ← x[i] · keep(i)/(1−p), for element indices `first ..< first+count`.
    /// The same call is the backward (applied to the gradient).
    static func apply(_ x: UnsafeMutablePointer<Float>, count: Int, p: Float, key: UInt64, first: Int = 0) {
        guard p > 0 else { return }
        apply(into: x, from: x, count: count, p: p, key: key, first: first)
    }

    /// out[i] ← x[i] · keep(i)/(1−p) (`out` may be `x`; out of place it is the backward of a
    /// dropped branch whose input gradient also feeds a skip connection).
    static func apply(
        into out: UnsafeMutablePointer<Float>, from x: UnsafePointer<Float>, count: Int, p: Float,
        key: UInt64, first: Int = 0
    ) {
        guard p > 0 else { if out != x { out.update(from: x, count: count) }; return }
        let t = threshold(p), scale = 1 / (1 - p)
        Parallel.chunks(count, minimumPerThread: 8192) { _, r in
            let lo = r.lowerBound, o = out + lo, y = x + lo
            dropRow(into: o, from: y, count: r.count, first: first + lo, key: key, threshold: t, scale: scale)
        }
    }

    /// `apply(into:from:)` over a [rows, columns] matrix (p > 0) that also adds the column sums
    /// of `out` into `biasGradient`: the backward of a dropped `Linear` output, whose bias
    /// gradient is taken while the masked gradient is written instead of in a second pass
    /// (`ColumnSum`). Column blocks with the rows summed in order, as `ColumnSum` does.
    static func apply(
        into out: UnsafeMutablePointer<Float>, from x: UnsafePointer<Float>, rows n: Int, columns c: Int,
        p: Float, key: UInt64, biasGradient acc: UnsafeMutablePointer<Float>
    ) {
        precondition(p > 0)
        let t = threshold(p), scale = 1 / (1 - p)
        Parallel.chunks(c / 8, minimumPerThread: 2) { _, blocks in
            let lo = blocks.lowerBound * 8
            let hi = blocks.upperBound == c / 8 ? c : blocks.upperBound * 8  // the last block takes the tail
            for row in 0..<n {
                let o = out + row * c
                dropRow(
                    into: o + lo, from: x + row * c + lo, count: hi - lo, first: row * c + lo, key: key, threshold: t,
                    scale: scale)
                for j in lo..<hi { acc[j] += o[j] }
            }
        }
    }

    /// out[i] ← x[i]·scale where element `first + i` is kept, else 0 (serial; `out` may be `x`).
    @inline(__always)
    static func dropRow(
        into o: UnsafeMutablePointer<Float>, from y: UnsafePointer<Float>, count: Int, first: Int,
        key: UInt64, threshold t: UInt32, scale: Float
    ) {
        forEachLanes(
            key: key, first: first, count: count, threshold: t,
            { i, keep in
                let v = UnsafeRawPointer(y + i).loadUnaligned(as: Lanes.self) * scale
                UnsafeMutableRawPointer(o + i).storeBytes(of: v.replacing(with: 0, where: .!keep), as: Lanes.self)
            }, { i, keep in o[i] = keep ? y[i] * scale : 0 })
    }

    /// x[i] ← x[i] · keep(i)/(1−p) + residual[i]: dropout of a branch and the skip connection
    /// in one pass (the same rounding as `apply` then `Residual.add`).
    static func applyAdding(
        _ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>, count: Int, p: Float, key: UInt64
    ) {
        guard p > 0 else { Residual.add(x, residual, count: count); return }
        let t = threshold(p), scale = 1 / (1 - p)
        Parallel.chunks(count, minimumPerThread: 8192) { _, r in
            let lo = r.lowerBound, y = x + lo, z = residual + lo
            forEachLanes(
                key: key, first: lo, count: r.count, threshold: t,
                { i, keep in
                    let v = UnsafeRawPointer(y + i).loadUnaligned(as: Lanes.self) * scale
                    let w = UnsafeRawPointer(z + i).loadUnaligned(as: Lanes.self)
                    UnsafeMutableRawPointer(y + i).storeBytes(
                        of: v.replacing(with: 0, where: .!keep) + w, as: Lanes.self)
                }, { i, keep in y[i] = (keep ? y[i] * scale : 0) + z[i] })
        }
    }

    /// Single-threaded variant for use inside an already parallel loop.
    @inline(__always)
    static func applySerial(_ x: UnsafeMutablePointer<Float>, count: Int, p: Float, key: UInt64, first: Int) {
        dropRow(into: x, from: x, count: count, first: first, key: key, threshold: threshold(p), scale: 1 / (1 - p))
    }
}
