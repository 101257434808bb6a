import Shards

/// A tokenized document's two columns read in place (in a decompressed shard block, or in a
/// `TokenizedDocument`'s arrays), for NSP's random next segment: Google BERT takes sentences
/// from a random start until the target length, usually a few dozen tokens of a document of
/// hundreds, so only that span is widened and copied.
public struct DocumentView {
    public let tokens: ShardColumnView
    public let sentenceLengths: ShardColumnView

    public init(tokens: ShardColumnView, sentenceLengths: ShardColumnView) {
        self.tokens = tokens; self.sentenceLengths = sentenceLengths
    }
}

extension TokenizedDocument {
    /// The document's arrays as a view, valid inside `body` only.
    func withView<R>(_ body: (DocumentView) throws -> R) rethrows -> R {
        try tokens.withUnsafeBufferPointer { t in
            try sentenceLengths.withUnsafeBufferPointer { s in
                // An empty array may have no base address; any aligned pointer serves for 0 elements.
                let empty = UnsafeRawPointer(bitPattern: 16)!
                return try body(DocumentView(
                    tokens: ShardColumnView(base: t.baseAddress.map(UnsafeRawPointer.init) ?? empty, count: t.count, width: 4),
                    sentenceLengths: ShardColumnView(base: s.baseAddress.map(UnsafeRawPointer.init) ?? empty,
                                                     count: s.count, width: 4)))
            }
        }
    }
}

extension DocumentSegments {
    /// `load(_:index:pieceLimit:kind:)` on a view: the same segments, and the same checks except
    /// the vocabulary range, which the caller checks on the tokens it copies (a token read here,
    /// at a cut of an over-long sentence, is checked before use).
    mutating func load(_ doc: DocumentView, index: Int, pieceLimit: Int, kind: [UInt8]) throws {
        start.removeAll(keepingCapacity: true); end.removeAll(keepingCapacity: true)
        let lengths = doc.sentenceLengths, tokens = doc.tokens
        var total = 0
        for j in 0..<lengths.count { total += Int(lengths[j]) }
        guard total == tokens.count else {
            throw DocumentDefect(document: index, detail:
                "sentence lengths sum to \(total) but the document has \(tokens.count) tokens")
        }
        var s = 0
        for j in 0..<lengths.count {
            var lo = s
            let hi = s + Int(lengths[j])
            s = hi
            if hi - lo <= pieceLimit {
                if hi > lo { start.append(Int32(lo)); end.append(Int32(hi)) }
                continue
            }
            while hi - lo > pieceLimit {
                var cut = lo + pieceLimit
                while cut > lo {
                    let id = Int(tokens[cut])
                    guard id < kind.count else {
                        throw DocumentDefect(document: index, detail:
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
    }
}
