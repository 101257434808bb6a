// Invalid UTF-8 is replaced the way Python's `bytes.decode("utf-8", "replace")` and
// Swift's `String(decoding:)` do it — one U+FFFD per *maximal subpart* of an
// ill-formed sequence (Unicode §3.9, "U+FFFD Substitution of Maximal Subparts") —
// so our ids equal the reference's on text a Python caller decoded with "replace".

public enum UTF8Repair {
    /// Length of the valid sequence starting at `i`, or the negated length of the
    /// maximal ill-formed subpart there (at least 1).
    @inline(__always)
    static func sequenceLength(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let b0 = p[i]
        if b0 < 0x80 { return 1 }
        var need: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: return -1
        }
        var j = i + 1
        while need > 0 {
            guard j < p.count, p[j] >= lo, p[j] <= hi else { return -(j - i) }
            lo = 0x80; hi = 0xBF
            j += 1; need -= 1
        }
        return j - i
    }

    /// Offset of the first ill-formed byte, or `nil` if `p` is valid UTF-8.
    public static func firstInvalidOffset(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = p.count
        guard let base = p.baseAddress else { return nil }
        while i < n {
            // ASCII fast path: 8 bytes at a time.
            while i + 8 <= n {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if w & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            guard i < n else { break }
            if p[i] < 0x80 { i += 1; continue }
            let len = sequenceLength(p, i)
            if len < 0 { return i }
            i += len
        }
        return nil
    }

    /// Copies `p` into `output` with every maximal ill-formed subpart replaced by
    /// U+FFFD; returns the number of replacements.
    @discardableResult
    public static func repair(_ p: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) -> Int {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(p.count + 16)
        var i = 0
        var replaced = 0
        while i < p.count {
            let len = sequenceLength(p, i)
            if len > 0 {
                for k in i..<(i + len) { output.append(p[k]) }
                i += len
            } else {
                output.append(0xEF); output.append(0xBF); output.append(0xBD)
                replaced += 1
                i += -len
            }
        }
        return replaced
    }
}
