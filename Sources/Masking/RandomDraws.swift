/// The draws every sampler here uses, written out for any generator so the loader's own
/// generator gives the same algorithm (see `InstanceRandom` for why not the stdlib's).
extension RandomNumberGenerator {
    @usableFromInline @inline(__always)
    mutating func drawUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

    @usableFromInline @inline(__always)
    mutating func drawInt(below bound: Int) -> Int {
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    @usableFromInline @inline(__always)
    mutating func drawInt(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + drawInt(below: range.upperBound - range.lowerBound + 1)
    }

    /// Step k of a Fisher–Yates shuffle from the front: swaps a uniformly chosen element of
    /// `a[k..<count]` into `a[k]` and returns it. Taking steps 0, 1, 2, … lazily yields the prefix
    /// of a uniformly random permutation, so a masker that stops after ~15% of the candidates pays
    /// for those draws only, not for a full shuffle.
    @inline(__always)
    mutating func drawNext(_ a: UnsafeMutablePointer<Int32>, _ k: Int, count: Int) -> Int {
        let j = k + drawInt(below: count - k)
        let t = a[j]; a[j] = a[k]; a[k] = t
        return Int(t)
    }
}
