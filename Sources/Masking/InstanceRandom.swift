/// Deterministic 64-bit generator; each instance's stream is derived from
/// (seed, document index, copy index) so output is independent of threads.
///
/// Engine: xoshiro256** (Blackman & Vigna 2018), 256-bit state, seeded by SplitMix64 as
/// its authors recommend. Stream keys are folded in with the SplitMix64 finaliser, so
/// neighbouring (doc, copy) pairs get unrelated states. Integer and floating-point draws
/// are implemented here rather than with `Int.random(in:using:)`, whose algorithm is a
/// standard-library detail: the bytes we write must not change with the Swift version.
public struct InstanceRandom: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64, streams: UInt64...) {
        self.init(seed: seed, streamKeys: streams)
    }

    init(seed: UInt64, streamKeys: [UInt64]) {
        var key = Self.mix(seed &+ 0x9E37_79B9_7F4A_7C15)
        for s in streamKeys { key = Self.mix(key ^ Self.mix(s &+ 0xD1B5_4A32_D192_ED03)) }
        var sm = key
        s0 = Self.splitMix(&sm); s1 = Self.splitMix(&sm); s2 = Self.splitMix(&sm); s3 = Self.splitMix(&sm)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the one state xoshiro cannot leave
    }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    mutating func nextDouble() -> Double {
        drawUnit()
    }

    /// Uniform in 0..<bound (bound > 0), unbiased: Lemire's multiply-shift with rejection.
    @inlinable
    mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return drawInt(below: bound)
    }

    /// Uniform in `range` (both ends inclusive, like Python's `random.randint`).
    @inlinable
    mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        drawInt(in: range)
    }

    /// Fisher–Yates from the back, the order Python's `random.shuffle` uses.
    @inlinable
    mutating func shuffle<T>(_ a: inout [T]) {
        var i = a.count - 1
        while i > 0 {
            let j = nextInt(below: i + 1)
            if i != j { a.swapAt(i, j) }
            i -= 1
        }
    }

    @inlinable @inline(__always)
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @usableFromInline static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @usableFromInline static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return mix(state)
    }
}
