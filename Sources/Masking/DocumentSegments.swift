/// A document's sentences as token ranges, with over-long sentences cut into pieces.
struct DocumentSegments {
    var start: [Int32] = []
    var end: [Int32] = []
    var count: Int { start.count }

    @inline(__always) func length(_ i: Int) -> Int { Int(end[i] - start[i]) }

    /// Checks the document against itself and the vocabulary, then fills the segments.
    /// Returns how many sentences had to be split. Empty sentences are skipped.
    mutating func load(_ doc: TokenizedDocument, index: Int, pieceLimit: Int,
                       kind: [UInt8]) throws -> Int {
        start.removeAll(keepingCapacity: true); end.removeAll(keepingCapacity: true)
        var total = 0
        for l in doc.sentenceLengths { total += Int(l) }
        guard total == doc.tokens.count else {
            throw DocumentDefect(document: index, detail:
                "sentence lengths sum to \(total) but the document has \(doc.tokens.count) tokens")
        }
        let vocabularySize = kind.count
        var split = 0
        return try doc.tokens.withUnsafeBufferPointer { tokens in
            // A max over the document (vectorised) first; the position only when there is a bad id.
            var largest: UInt32 = 0
            for t in tokens { largest = max(largest, t) }
            if Int(largest) >= vocabularySize, let i = tokens.firstIndex(where: { Int($0) >= vocabularySize }) {
                throw DocumentDefect(document: index, detail:
                    "token \(i) has id \(tokens[i]), outside the vocabulary of \(vocabularySize)")
            }
            var s = 0
            for l in doc.sentenceLengths {
                var lo = s
                let hi = s + Int(l)
                s = hi
                if hi - lo <= pieceLimit {
                    if hi > lo { start.append(Int32(lo)); end.append(Int32(hi)) }
                    continue
                }
                split += 1
                while hi - lo > pieceLimit {
                    // Cut before a word start so a word stays in one piece when it can.
                    var cut = lo + pieceLimit
                    while cut > lo && kind[Int(tokens[cut])] == VocabularyTables.continuation { cut -= 1 }
                    if cut == lo { cut = lo + pieceLimit }
                    start.append(Int32(lo)); end.append(Int32(cut))
                    lo = cut
                }
                start.append(Int32(lo)); end.append(Int32(hi))
            }
            return split
        }
    }
}
