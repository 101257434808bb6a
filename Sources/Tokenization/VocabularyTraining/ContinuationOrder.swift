import Foundation

/// The order in which continuation tokens (`##` + one character) get their ids.
///
/// HF visits the words in hash order and gives `##c` the next id the first time it meets
/// `c` anywhere but at the start of a word. We visit the words as if sorted by occurrences
/// (most frequent first), then by their bytes, an order HF could also happen to use, without
/// sorting them: each character only needs the first word of that order it continues, and
/// its first position there.
enum ContinuationOrder {
    /// Characters (code points) in id order. `singleIDs[cp] >= 0` marks the characters that
    /// have a token of their own (only those get a `##` form); `replaying` comes first.
    static func compute(
        words: WordCountTable, singleIDs: ScalarMap<Int32>, tokenCount: Int,
        replaying: [UInt32]
    ) -> [UInt32] {
        var firstWord = [Int](repeating: -1, count: tokenCount)
        var firstPosition = [Int](repeating: 0, count: tokenCount)
        var scalarOf = [UInt32](repeating: 0, count: tokenCount)
        for w in 0..<words.count {
            let bytes = words.word(at: w)
            guard let p = bytes.baseAddress else { continue }
            var (_, i) = UTF8Decoding.decode(p, at: 0, count: bytes.count)
            var position = 1
            while i < bytes.count {
                let (cp, length) = UTF8Decoding.decode(p, at: i, count: bytes.count)
                let id = Int(singleIDs[cp])
                if id >= 0 && (firstWord[id] < 0 || precedes(w, firstWord[id], in: words)) {
                    firstWord[id] = w; firstPosition[id] = position; scalarOf[id] = cp
                }
                i += length
                position += 1
            }
        }
        var seen = Set<UInt32>()
        var order: [UInt32] = []
        let present = Set((0..<tokenCount).filter { firstWord[$0] >= 0 }.map { scalarOf[$0] })
        for cp in replaying where present.contains(cp) && seen.insert(cp).inserted { order.append(cp) }
        let rest = (0..<tokenCount).filter { firstWord[$0] >= 0 && !seen.contains(scalarOf[$0]) }.sorted { a, b in
            if firstWord[a] != firstWord[b] { return precedes(firstWord[a], firstWord[b], in: words) }
            return firstPosition[a] < firstPosition[b]
        }
        order.append(contentsOf: rest.map { scalarOf[$0] })
        return order
    }

    /// Word `a` before word `b`: more occurrences first, then byte order.
    @inline(__always)
    static func precedes(_ a: Int, _ b: Int, in words: WordCountTable) -> Bool {
        let na = words.occurrences(at: a), nb = words.occurrences(at: b)
        if na != nb { return na > nb }
        let x = words.word(at: a), y = words.word(at: b)
        let common = min(x.count, y.count)
        let c = memcmp(x.baseAddress!, y.baseAddress!, common)
        return c != 0 ? c < 0 : x.count < y.count
    }
}
