/// Every distinct word as a sequence of token ids ("symbols"), back to back in one buffer,
/// with its occurrence count: HF's `Vec<Word>` plus `counts`, without a vector per word.
/// Merging only ever shortens a word, so each keeps its place.
struct SymbolWords {
    private(set) var symbols: UnsafeMutablePointer<Int32>
    private(set) var starts: [Int] = []
    private(set) var lengths: [Int32] = []
    private(set) var counts: [Int64] = []
    private var symbolCount = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        symbols = .allocate(capacity: self.capacity)
    }

    func deallocate() { symbols.deallocate() }

    var count: Int { starts.count }

    /// Appends a word of `length` symbols written by `fill` (which returns how many it wrote).
    mutating func append(count occurrences: Int64, maximumLength: Int, _ fill: (UnsafeMutablePointer<Int32>) -> Int) {
        if symbolCount + maximumLength > capacity {
            var grown = 2 * capacity
            while grown < symbolCount + maximumLength { grown *= 2 }
            let new = UnsafeMutablePointer<Int32>.allocate(capacity: grown)
            new.moveInitialize(from: symbols, count: symbolCount)
            symbols.deallocate()
            symbols = new
            capacity = grown
        }
        let n = fill(symbols + symbolCount)
        starts.append(symbolCount); lengths.append(Int32(n)); counts.append(occurrences)
        symbolCount += n
    }

    /// Replaces each occurrence of `left, right` in word `w`, scanning left to right, by
    /// `merged`, as HF's `Word::merge` does, and reports the neighbouring pairs that each
    /// replacement removes (-1) and creates (+1), in HF's order: before the pair, then after.
    @inline(__always)
    mutating func merge(
        word w: Int, _ left: Int32, _ right: Int32, into merged: Int32,
        _ change: (SymbolPair, Int64) -> Void
    ) {
        let s = symbols + starts[w]
        let n = Int(lengths[w])
        var read = 0, write = 0
        while read < n {
            let symbol = s[read]
            if symbol == left && read + 1 < n && s[read + 1] == right {
                if write > 0 {
                    change(symbolPair(s[write - 1], left), -1)
                    change(symbolPair(s[write - 1], merged), 1)
                }
                s[write] = merged
                write += 1
                read += 2
                if read < n {
                    change(symbolPair(right, s[read]), -1)
                    change(symbolPair(merged, s[read]), 1)
                }
            } else {
                s[write] = symbol
                write += 1
                read += 1
            }
        }
        lengths[w] = Int32(write)
    }
}
