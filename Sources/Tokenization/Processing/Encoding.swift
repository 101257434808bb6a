/// The result of encoding one text or pair: ids, type ids and offsets, as the
/// reference's `Encoding` (without overflow, attention mask or padding).
/// Reused across calls: `removeAll()` keeps capacity.
public struct Encoding: Sendable, Equatable {
    public var ids: [UInt32] = []
    /// 0 for the first sequence (and its [CLS]/[SEP]), 1 for the pair and its final [SEP].
    public internal(set) var typeIDs: [UInt8] = []
    /// Byte range of each token in its own sequence's input (the pair's offsets are
    /// relative to the pair text, as in the reference). Tokens added by the
    /// post-processor get 0..<0. Inputs with invalid UTF-8 are measured after
    /// U+FFFD replacement.
    var byteStarts: [Int32] = []
    var byteEnds: [Int32] = []

    public init() {}
    var count: Int { ids.count }

    mutating func removeAll() {
        ids.removeAll(keepingCapacity: true); typeIDs.removeAll(keepingCapacity: true)
        byteStarts.removeAll(keepingCapacity: true); byteEnds.removeAll(keepingCapacity: true)
    }

    @inline(__always) mutating func append(_ id: Int32, type: UInt8, start: Int32, end: Int32) {
        ids.append(UInt32(bitPattern: id)); typeIDs.append(type); byteStarts.append(start); byteEnds.append(end)
    }

    mutating func removeLast(_ k: Int) {
        guard k > 0 else { return }
        ids.removeLast(k); typeIDs.removeLast(k); byteStarts.removeLast(k); byteEnds.removeLast(k)
    }

    /// Offsets in Unicode scalars (what Python's `Encoding.offsets` reports), given the
    /// UTF-8 the sequences were encoded from.
    func scalarOffsets(text: [UInt8], pair: [UInt8]? = nil) -> [(Int, Int)] {
        func prefixCounts(_ b: [UInt8]) -> [Int] {
            var counts = [Int](repeating: 0, count: b.count + 1)
            var n = 0
            for i in 0..<b.count {
                counts[i] = n
                if b[i] & 0xC0 != 0x80 { n += 1 }
            }
            counts[b.count] = n
            return counts
        }
        let a = prefixCounts(text)
        let b = pair.map(prefixCounts) ?? a
        return (0..<count).map { i in
            let table = typeIDs[i] == 1 ? b : a
            return (table[Int(byteStarts[i])], table[Int(byteEnds[i])])
        }
    }
}

/// `longest_first` truncation as in the reference (`utils/truncation.rs`, stride 0,
/// direction right): `maxLength` counts the post-processor's special tokens; when it
/// is smaller than their number, nothing is truncated.
enum Truncation {
    /// How many tokens of each sequence to keep.
    static func longestFirst(first n1: Int, second n2: Int?, maxLength: Int, added: Int) -> (Int, Int) {
        guard maxLength >= added else { return (n1, n2 ?? 0) }
        let m = maxLength - added
        guard let n2 else { return (min(n1, m), 0) }
        if n1 + n2 <= m { return (n1, n2) }
        // With n the shorter and l the longer: keep the shorter whole if it fits
        // (the longer takes the rest); otherwise split m in half, the extra one to
        // the longer.
        var (short, long) = n1 > n2 ? (n2, n1) : (n1, n2)
        let swap = n1 > n2
        if short > m { long = short } else { long = max(short, m - short) }
        if short + long > m { short = m / 2; long = short + m % 2 }
        var (k1, k2) = swap ? (long, short) : (short, long)
        k1 = min(k1, n1); k2 = min(k2, n2)
        return (k1, k2)
    }
}
