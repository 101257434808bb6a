// Key derivation for every pseudo-random choice the loader makes. A choice is a pure
// function of (seed, epoch, purpose, index), never of a generator's history, which is
// what makes the order independent of thread count and resumable without replay.

@usableFromInline
enum Mix {
    /// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijective 64-bit avalanche.
    @inlinable @inline(__always)
    static func avalanche(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inlinable @inline(__always)
    static func key(_ parts: UInt64...) -> UInt64 {
        var h: UInt64 = 0x6A09_E667_F3BC_C908
        for p in parts { h = avalanche(h ^ p) }
        return h
    }
}

/// Purposes, so that keys for different decisions never collide.
enum KeyPurpose: UInt64 {
    case blockOrder = 1, window = 2, mixtureSubset = 3, buckets = 4
}

/// A small counter-based generator for the O(blocks) shuffles done once per epoch.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(key: UInt64) { state = key }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Mix.avalanche(state)
    }
}
