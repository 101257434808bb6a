/// The draws every sampler here uses, written out for any generator so the loader's own
/// generator gives the same algorithm (see `InstanceRandom` for why not the stdlib's).
extension RandomNumberGenerator {
    @inline(__always)
    mutating func drawUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

    @inline(__always)
    mutating func drawInt(below bound: Int) -> Int {
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    @inline(__always)
    mutating func drawInt(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + drawInt(below: range.upperBound - range.lowerBound + 1)
    }

    /// Fisher–Yates from the back (Python's `random.shuffle` order) over the first `count` elements.
    @inline(__always)
    mutating func drawShuffle(_ a: UnsafeMutablePointer<Int32>, count: Int) {
        var i = count - 1
        while i > 0 {
            let j = drawInt(below: i + 1)
            let t = a[i]; a[i] = a[j]; a[j] = t
            i -= 1
        }
    }
}
