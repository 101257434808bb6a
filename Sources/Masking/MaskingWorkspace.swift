/// Scratch buffers for one masking call, reused across instances so the steady state
/// allocates nothing. One per thread.
public struct MaskingWorkspace {
    /// Candidate units (whole words, or single tokens in per-token mode): token range
    /// `start[w]..<end[w]`; `linked[w]` when unit w+1 follows with no special token between
    /// (n-grams and spans never cross a [SEP]).
    var start: [Int32] = []
    var end: [Int32] = []
    var linked: [Bool] = []
    var order: [Int32] = []
    var unitCovered: [Bool] = []
    var tokenCovered: [Bool] = []
    var original: [UInt32] = []
    /// Spans chosen by the span masker (unit ranges), kept for tests and statistics.
    var spanWordCounts: [Int32] = []

    public init() {}

    mutating func reset(tokenCount n: Int) {
        start.removeAll(keepingCapacity: true)
        end.removeAll(keepingCapacity: true)
        linked.removeAll(keepingCapacity: true)
        spanWordCounts.removeAll(keepingCapacity: true)
        tokenCovered.removeAll(keepingCapacity: true)
        tokenCovered.append(contentsOf: repeatElement(false, count: n))
    }

    /// Groups positions into candidate units. With `wholeWords`, a `##` piece joins the unit
    /// before it when that unit ends right before it (Google BERT's rule, except that a `##`
    /// piece after a special token starts its own unit instead of joining a word across [SEP]).
    mutating func collectUnits(_ ids: UnsafeBufferPointer<UInt32>, kind: UnsafeBufferPointer<UInt8>, wholeWords: Bool) {
        var previousIsWord = false
        for i in 0..<ids.count {
            let id = Int(ids[i])
            let k = id < kind.count ? kind[id] : VocabularyTables.special
            if k == VocabularyTables.special { previousIsWord = false; continue }
            if wholeWords && k == VocabularyTables.continuation && previousIsWord {
                end[end.count - 1] = Int32(i + 1)
            } else {
                if previousIsWord { linked[linked.count - 1] = true }
                start.append(Int32(i)); end.append(Int32(i + 1)); linked.append(false)
            }
            previousIsWord = true
        }
        order.removeAll(keepingCapacity: true)
        for w in 0..<start.count { order.append(Int32(w)) }
        unitCovered.removeAll(keepingCapacity: true)
        unitCovered.append(contentsOf: repeatElement(false, count: start.count))
    }
}
