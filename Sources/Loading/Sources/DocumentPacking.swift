/// Minimal full-sentence packing for document datasets read by the loader: sentences are
/// appended to the current instance while they fit in `maxSequenceLength − 2` tokens
/// ([CLS] … [SEP]); a sentence longer than that is split, never dropped. No pairs and no
/// short sequences, so an instance count depends on sentence lengths alone and the
/// loader can size the epoch before reading any tokens.
struct DocumentPacking {
    let capacity: Int

    init(maxSequenceLength: Int) { capacity = max(1, maxSequenceLength - 2) }

    /// Calls `emit(range)` with each instance's token range in the document.
    func pack<S: Sequence>(sentenceLengths: S, emit: (Range<Int>) -> Void) where S.Element == UInt32 {
        var start = 0, end = 0
        for length in sentenceLengths {
            var n = Int(length)
            if end > start && end - start + n > capacity { emit(start..<end); start = end }
            while end - start + n > capacity {
                let take = capacity - (end - start)
                end += take; n -= take
                emit(start..<end); start = end
            }
            end += n
        }
        if end > start { emit(start..<end) }
    }

    func instanceCount<S: Sequence>(sentenceLengths: S) -> Int where S.Element == UInt32 {
        var count = 0
        pack(sentenceLengths: sentenceLengths) { _ in count += 1 }
        return count
    }
}
