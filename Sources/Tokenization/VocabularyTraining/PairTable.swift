/// What the merge loop knows about each pair, by pair number (`PairIndex`): the pair, its
/// current count over all words (HF's `pair_counts`), and two scratch fields of the current
/// merge step (its group among the pairs formed anew, the last word it was formed in).
struct PairTable {
    private var index: PairIndex
    private(set) var pairs: [SymbolPair] = []
    var counts: [Int64] = []
    var lastWord: [Int32] = []
    var group: [Int32] = []
    /// For `initialQueue`: the pair number of every adjacent pair of every word, in order.
    private var wordPairs: [Int32] = []

    /// Counts the pairs of `words` (HF's `count_pairs`).
    init(words: SymbolWords) {
        var symbolTotal = 0
        for w in 0..<words.count { symbolTotal += Int(words.lengths[w]) }
        index = PairIndex(minimumCapacity: max(symbolTotal / 4, 1024))
        wordPairs.reserveCapacity(symbolTotal)
        for w in 0..<words.count {
            let s = words.symbols + words.starts[w]
            let n = Int(words.lengths[w])
            guard n > 1 else { continue }
            for i in 0..<(n - 1) {
                let p = number(of: symbolPair(s[i], s[i + 1]))
                counts[p] += words.counts[w]
                wordPairs.append(Int32(p))
            }
        }
    }

    func deallocate() { index.deallocate() }

    /// The number of `pair`, new fields zeroed if it was never seen.
    @inline(__always)
    mutating func number(of pair: SymbolPair) -> Int {
        let (p, isNew) = index.index(of: pair)
        if isNew {
            pairs.append(pair); counts.append(0); lastWord.append(-1); group.append(-1)
        }
        return p
    }

    /// One queue entry per pair, holding every word it occurs in (each once).
    mutating func initialQueue(words: SymbolWords) -> MergeQueue {
        var sizes = [Int32](repeating: 0, count: pairs.count)
        var k = 0
        for w in 0..<words.count {
            let n = Int(words.lengths[w])
            guard n > 1 else { continue }
            for _ in 0..<(n - 1) {
                let p = Int(wordPairs[k]); k += 1
                if lastWord[p] != Int32(w) { lastWord[p] = Int32(w); sizes[p] += 1 }
            }
        }
        var total = 0
        for s in sizes { total += Int(s) }
        var queue = MergeQueue(positionCapacity: total * 2)
        var starts = [Int](repeating: 0, count: pairs.count)
        var next = queue.reservePositions(total)
        for p in 0..<pairs.count { starts[p] = next; next += Int(sizes[p]) }
        var fill = starts
        for p in 0..<pairs.count { lastWord[p] = -1 }
        k = 0
        for w in 0..<words.count {
            let n = Int(words.lengths[w])
            guard n > 1 else { continue }
            for _ in 0..<(n - 1) {
                let p = Int(wordPairs[k]); k += 1
                if lastWord[p] != Int32(w) {
                    lastWord[p] = Int32(w)
                    queue.positions[fill[p]] = Int32(w)
                    fill[p] += 1
                }
            }
        }
        for p in 0..<pairs.count {
            lastWord[p] = -1
            if counts[p] > 0 {
                queue.push(
                    MergeCandidate(
                        count: counts[p], pair: pairs[p], sequence: 0, pairIndex: Int32(p),
                        positionCount: sizes[p], positionStart: starts[p]))
            }
        }
        wordPairs = []
        return queue
    }
}
