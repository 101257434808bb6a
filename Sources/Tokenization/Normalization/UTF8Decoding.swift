/// UTF-8 to scalars and back for the readable path. Invalid sequences (callers should
/// have replaced them already) decode to U+FFFD one byte at a time, exactly as the fast
/// path does, so both paths agree on any byte string.
enum UTF8Decoding {
    /// Decodes the scalar starting at `i`; returns it and its length in bytes.
    @inline(__always)
    static func decode(_ p: UnsafePointer<UInt8>, at i: Int, count n: Int) -> (scalar: UInt32, length: Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (b0, 1) }
        @inline(__always) func continuation(_ k: Int) -> UInt32? {
            guard k < n, p[k] & 0xC0 == 0x80 else { return nil }
            return UInt32(p[k] & 0x3F)
        }
        if b0 >= 0xC2, b0 < 0xE0, let c1 = continuation(i + 1) {
            return ((b0 & 0x1F) << 6 | c1, 2)
        }
        if b0 >= 0xE0, b0 < 0xF0, let c1 = continuation(i + 1), let c2 = continuation(i + 2) {
            let cp = (b0 & 0x0F) << 12 | c1 << 6 | c2
            if cp >= 0x800, !(0xD800...0xDFFF).contains(cp) { return (cp, 3) }
        }
        if b0 >= 0xF0, b0 < 0xF5, let c1 = continuation(i + 1), let c2 = continuation(i + 2),
            let c3 = continuation(i + 3)
        {
            let cp = (b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
            if cp >= 0x10000, cp < 0x110000 { return (cp, 4) }
        }
        return (0xFFFD, 1)
    }

    static func scalars(of input: UnsafeBufferPointer<UInt8>, sourceBase: Int32) -> [SourcedScalar] {
        var out: [SourcedScalar] = []
        guard let p = input.baseAddress else { return out }
        var i = 0
        while i < input.count {
            let (cp, length) = decode(p, at: i, count: input.count)
            out.append(SourcedScalar(value: cp, start: sourceBase + Int32(i), end: sourceBase + Int32(i + length)))
            i += length
        }
        return out
    }

    static func encode(_ cp: UInt32) -> [UInt8] {
        var buffer: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let n = withUnsafeMutableBytes(of: &buffer) {
            encode(cp, into: $0.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return withUnsafeBytes(of: &buffer) { Array($0.prefix(n)) }
    }

    /// Writes the UTF-8 of `cp` at `out`; returns the number of bytes (1...4).
    @inline(__always)
    static func encode(_ cp: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
        if cp < 0x80 { out[0] = UInt8(cp); return 1 }
        if cp < 0x800 {
            out[0] = UInt8(0xC0 | cp >> 6); out[1] = UInt8(0x80 | cp & 0x3F); return 2
        }
        if cp < 0x10000 {
            out[0] = UInt8(0xE0 | cp >> 12); out[1] = UInt8(0x80 | cp >> 6 & 0x3F); out[2] = UInt8(0x80 | cp & 0x3F)
            return 3
        }
        out[0] = UInt8(0xF0 | cp >> 18); out[1] = UInt8(0x80 | cp >> 12 & 0x3F)
        out[2] = UInt8(0x80 | cp >> 6 & 0x3F); out[3] = UInt8(0x80 | cp & 0x3F)
        return 4
    }

    static func utf8Length(_ cp: UInt32) -> Int { cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4 }
}
