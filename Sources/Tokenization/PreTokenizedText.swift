// What the normalizer hands to WordPiece. `BertTextSplitter` writes `PreTokenizedText`,
// WordPiece and the encoder only read it; its storage is reused across calls so steady
// state allocates nothing.

/// The words of one piece of text after normalization and the BERT pre-tokenizer
/// (split on whitespace, punctuation isolated, CJK characters isolated).
public struct PreTokenizedText: Sendable {
    /// Normalized UTF-8 of all words, concatenated without separators.
    var bytes: [UInt8] = []
    /// For each byte of `bytes`: the byte range in the *original* input that produced
    /// the scalar this byte belongs to (start inclusive, end exclusive).
    var sourceStart: [Int32] = []
    var sourceEnd: [Int32] = []
    /// Words as ranges into `bytes`, in order.
    var words: [Word] = []

    struct Word: Sendable, Equatable {
        var start: Int32  // into `bytes`
        var end: Int32
        var scalarCount: Int32  // the reference's 100-character limit counts these
        init(start: Int32, end: Int32, scalarCount: Int32) {
            self.start = start; self.end = end; self.scalarCount = scalarCount
        }
    }

    public init() {}

    /// Calls `body` with the normalized UTF-8 bytes of each word, in order; the buffer is
    /// valid only during the call (word counting reads it without copying).
    public func forEachWord(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        bytes.withUnsafeBufferPointer { all in
            for word in words { body(UnsafeBufferPointer(rebasing: all[Int(word.start)..<Int(word.end)])) }
        }
    }
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        sourceStart.removeAll(keepingCapacity: true)
        sourceEnd.removeAll(keepingCapacity: true)
        words.removeAll(keepingCapacity: true)
    }
}
