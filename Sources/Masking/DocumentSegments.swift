/// A document's sentences as token ranges, with over-long sentences cut into pieces.
struct DocumentSegments {
    var start: [Int32] = []
    var end: [Int32] = []
    var count: Int { start.count }

    @inline(__always) func length(_ i: Int) -> Int { Int(end[i] - start[i]) }

    /// Checks the document against itself and the vocabulary, then fills the segments.
    /// Returns how many sentences had to be split. Empty sentences are skipped.
    mutating func load(
        _ doc: TokenizedDocument, index: Int, pieceLimit: Int,
        kind: [UInt8]
    ) throws -> Int {
        try doc.withView { view in
            try Self.checkLengths(view, index: index)
            // A max over the document (vectorised) first; the position only when there is a bad id.
            let vocabularySize = kind.count
            try doc.tokens.withUnsafeBufferPointer { tokens in
                var largest: UInt32 = 0
                for t in tokens { largest = max(largest, t) }
                if Int(largest) >= vocabularySize, let i = tokens.firstIndex(where: { Int($0) >= vocabularySize }) {
                    throw DocumentDefect(
                        document: index,
                        detail:
                            "token \(i) has id \(tokens[i]), outside the vocabulary of \(vocabularySize)")
                }
            }
            return try split(view, index: index, pieceLimit: pieceLimit, kind: kind)
        }
    }

    /// `load(_:index:pieceLimit:kind:)` on a view: the same segments, and the same checks except
    /// the vocabulary range, which the caller checks on the tokens it copies (a token read here,
    /// at a cut of an over-long sentence, is checked before use).
    mutating func load(_ doc: DocumentView, index: Int, pieceLimit: Int, kind: [UInt8]) throws {
        try Self.checkLengths(doc, index: index)
        _ = try split(doc, index: index, pieceLimit: pieceLimit, kind: kind)
    }

    /// The sentence lengths must add up to the token count.
    static func checkLengths(_ doc: DocumentView, index: Int) throws {
        var total = 0
        for j in 0..<doc.sentenceLengths.count { total += Int(doc.sentenceLengths[j]) }
        guard total == doc.tokens.count else {
            throw DocumentDefect(
                document: index,
                detail:
                    "sentence lengths sum to \(total) but the document has \(doc.tokens.count) tokens")
        }
    }

    /// Fills the segments from the sentence lengths, cutting a sentence longer than `pieceLimit`
    /// before a word start so a word stays in one piece when it can. Returns the sentences cut.
    private mutating func split(_ doc: DocumentView, index: Int, pieceLimit: Int, kind: [UInt8]) throws -> Int {
        start.removeAll(keepingCapacity: true); end.removeAll(keepingCapacity: true)
        let lengths = doc.sentenceLengths, tokens = doc.tokens
        var split = 0
        var s = 0
        for j in 0..<lengths.count {
            var lo = s
            let hi = s + Int(lengths[j])
            s = hi
            if hi - lo <= pieceLimit {
                if hi > lo { start.append(Int32(lo)); end.append(Int32(hi)) }
                continue
            }
            split += 1
            while hi - lo > pieceLimit {
                var cut = lo + pieceLimit
                while cut > lo {
                    let id = Int(tokens[cut])
                    guard id < kind.count else {
                        throw DocumentDefect(
                            document: index,
                            detail:
                                "token \(cut) has id \(id), outside the vocabulary of \(kind.count)")
                    }
                    if kind[id] != VocabularyTables.continuation { break }
                    cut -= 1
                }
                if cut == lo { cut = lo + pieceLimit }
                start.append(Int32(lo)); end.append(Int32(cut))
                lo = cut
            }
            start.append(Int32(lo)); end.append(Int32(hi))
        }
        return split
    }
}
