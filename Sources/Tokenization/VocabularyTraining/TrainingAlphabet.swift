/// The characters a vocabulary starts from: every character of the counted words, each
/// weighted by the occurrences of the words it is in, plus the initial alphabet; with a limit,
/// only the most frequent survive. HF's `BpeTrainer::compute_alphabet`.
struct TrainingAlphabet {
    /// The kept characters, ascending by code point: the order they get ids in.
    let kept: [UInt32]
    /// Distinct characters before the limit (initial alphabet included).
    let distinct: Int

    /// HF sorts the characters by weight with an unstable sort of a hash-ordered list and
    /// drops the lightest, so among equal weights at the cut its choice changes from run to
    /// run. Ours: characters in `preferred` win such a tie (to replay one HF run), then lower
    /// code points.
    init(words: WordCountTable, initialAlphabet: [Unicode.Scalar], limit: Int?, preferred: Set<UInt32> = []) {
        let weights = ScalarMap<UInt64>(defaultValue: 0)
        for w in 0..<words.count {
            let bytes = words.word(at: w)
            let n = words.occurrences(at: w)
            guard let p = bytes.baseAddress else { continue }
            var i = 0
            while i < bytes.count {
                let (cp, length) = UTF8Decoding.decode(p, at: i, count: bytes.count)
                weights[cp] &+= n
                i += length
            }
        }
        for s in initialAlphabet { weights[s.value] = UInt64.max }
        let present = weights.allocatedScalars.filter { weights[$0] != 0 }
        distinct = present.count
        let excess = limit.map { max(present.count - $0, 0) } ?? 0
        if excess > 0 {
            // Lightest first; the first `excess` go.
            let order = present.sorted { a, b in
                let wa = weights[a], wb = weights[b]
                if wa != wb { return wa < wb }
                let pa = preferred.contains(a), pb = preferred.contains(b)
                if pa != pb { return pb }
                return a > b
            }
            kept = order[excess...].sorted()
        } else {
            kept = present
        }
    }
}
