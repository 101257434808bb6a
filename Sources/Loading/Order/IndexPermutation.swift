/// A keyed bijection on `0..<count` evaluated in O(1) per index without materialising the
/// permutation: a 4-round balanced Feistel network on the smallest even-width power of two
/// ≥ count, with cycle-walking to stay inside the domain (Black & Rogaway 2002). The domain
/// is < 4 × count, so fewer than 4 walks are needed on average.
struct IndexPermutation {
    let count: Int
    private let halfBits: UInt64
    private let halfMask: UInt64
    private let keys: (UInt64, UInt64, UInt64, UInt64)

    init(count: Int, key: UInt64) {
        precondition(count >= 0)
        self.count = count
        var bits = 2
        while (1 << bits) < count { bits += 2 }
        halfBits = UInt64(bits / 2)
        halfMask = (1 << halfBits) - 1
        keys = (Mix.key(key, 1), Mix.key(key, 2), Mix.key(key, 3), Mix.key(key, 4))
    }

    @inline(__always)
    private func round(_ r: UInt64, _ k: UInt64) -> UInt64 { Mix.avalanche(r ^ k) & halfMask }

    @inline(__always)
    private func encrypt(_ x: UInt64) -> UInt64 {
        var l = x >> halfBits, r = x & halfMask
        (l, r) = (r, l ^ round(r, keys.0))
        (l, r) = (r, l ^ round(r, keys.1))
        (l, r) = (r, l ^ round(r, keys.2))
        (l, r) = (r, l ^ round(r, keys.3))
        return (l << halfBits) | r
    }

    /// The image of `index` (which must be in `0..<count`).
    func callAsFunction(_ index: Int) -> Int {
        if count <= 1 { return index }
        var x = UInt64(index)
        repeat { x = encrypt(x) } while x >= UInt64(count)
        return Int(x)
    }
}
