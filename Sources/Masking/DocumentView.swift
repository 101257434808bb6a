import Shards

/// A tokenized document's two columns read in place (in a decompressed shard block, or in a
/// `TokenizedDocument`'s arrays), for NSP's random next segment: Google BERT takes sentences
/// from a random start until the target length, usually a few dozen tokens of a document of
/// hundreds, so only that span is widened and copied.
struct DocumentView {
    let tokens: ShardColumnView
    let sentenceLengths: ShardColumnView

    init(tokens: ShardColumnView, sentenceLengths: ShardColumnView) {
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
                return try body(
                    DocumentView(
                        tokens: ShardColumnView(
                            base: t.baseAddress.map(UnsafeRawPointer.init) ?? empty, count: t.count, width: 4),
                        sentenceLengths: ShardColumnView(
                            base: s.baseAddress.map(UnsafeRawPointer.init) ?? empty,
                            count: s.count, width: 4)))
            }
        }
    }
}
