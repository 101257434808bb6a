/// Inverted dropout whose mask is a pure function of (key, element index).
///
/// Why counter-based: the mask needs no storage (the backward recomputes it), it does not
/// depend on how elements are split over threads, and a resumed run draws the same masks
/// as an uninterrupted one because the key is derived from (seed, step, micro-step, site).
public enum Dropout {
    /// Key for one dropout site in one micro-step.
    @inline(__always)
    public static func key(seed: UInt64, step: Int, micro: Int, site: Int) -> UInt64 {
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

    /// x[i] ← x[i] · keep(i)/(1−p), for element indices `first ..< first+count`.
    /// The same call is the backward (applied to the gradient).
    static func apply(_ x: UnsafeMutablePointer<Float>, count: Int, p: Float, key: UInt64, first: Int = 0) {
        guard p > 0 else { return }
        let t = threshold(p), scale = 1 / (1 - p)
        Parallel.chunks(count, minimumPerThread: 8192) { _, r in
            for i in r { x[i] = keeps(key, first + i, threshold: t) ? x[i] * scale : 0 }
        }
    }

    /// Single-threaded variant for use inside an already parallel loop.
    @inline(__always)
    static func applySerial(_ x: UnsafeMutablePointer<Float>, count: Int, p: Float, key: UInt64, first: Int) {
        let t = threshold(p), scale = 1 / (1 - p)
        for i in 0..<count { x[i] = keeps(key, first + i, threshold: t) ? x[i] * scale : 0 }
    }
}
