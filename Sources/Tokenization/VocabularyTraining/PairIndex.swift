/// A pair of adjacent symbols, `(left, right)` packed as `left << 32 | right`, so that
/// comparing packed pairs compares them as HF's `(u32, u32)` tuples do.
typealias SymbolPair = UInt64

@inline(__always) func symbolPair(_ left: Int32, _ right: Int32) -> SymbolPair {
    SymbolPair(UInt32(bitPattern: left)) << 32 | SymbolPair(UInt32(bitPattern: right))
}

/// Gives every pair seen a dense number (0, 1, ... in order of first sight), so the counts
/// and bookkeeping of pairs live in plain arrays. Open addressing over the packed pair;
/// merges look pairs up millions of times and Swift's `Dictionary` costs several times more.
struct PairIndex {
    /// Empty is 0; otherwise the pair with bit 63 set (symbol ids stay below 2^31).
    private var keys: UnsafeMutablePointer<UInt64>
    private var values: UnsafeMutablePointer<Int32>
    private var mask: Int
    private(set) var count = 0

    init(minimumCapacity: Int) {
        var n = 64
        while n < 2 * minimumCapacity { n <<= 1 }
        mask = n - 1
        keys = .allocate(capacity: n); keys.initialize(repeating: 0, count: n)
        values = .allocate(capacity: n)
    }

    func deallocate() { keys.deallocate(); values.deallocate() }

    @inline(__always) private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 29) & mask
    }

    /// The number of `pair`, giving it the next one if it is new (`isNew` tells).
    @inline(__always)
    mutating func index(of pair: SymbolPair) -> (index: Int, isNew: Bool) {
        let key = pair | 1 << 63
        var i = Self.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { return (Int(values[i]), false) }
            if k == 0 { break }
            i = (i + 1) & mask
        }
        keys[i] = key; values[i] = Int32(count)
        count += 1
        if 2 * count > mask + 1 { grow() }
        return (count - 1, true)
    }

    /// The number of `pair`, or -1 if it was never seen.
    func existingIndex(of pair: SymbolPair) -> Int {
        let key = pair | 1 << 63
        var i = Self.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { return Int(values[i]) }
            if k == 0 { return -1 }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let n = 2 * (mask + 1)
        let newKeys = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        newKeys.initialize(repeating: 0, count: n)
        let newValues = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        let newMask = n - 1
        for j in 0...mask where keys[j] != 0 {
            var i = Self.slot(keys[j], newMask)
            while newKeys[i] != 0 { i = (i + 1) & newMask }
            newKeys[i] = keys[j]; newValues[i] = values[j]
        }
        keys.deallocate(); values.deallocate()
        keys = newKeys; values = newValues; mask = newMask
    }
}
