/// Scratch buffers for one masking call, reused across instances so the steady state
/// allocates nothing. One per thread (copies share the buffers).
///
/// Raw buffers rather than arrays: the masking loops run per token of every instance, and
/// array appends there cost a uniqueness check each (15% of `prep mask` in a profile).
public struct MaskingWorkspace {
    final class Storage {
        var capacity = 0
        /// Candidate units (whole words, or single tokens in per-token mode): token range
        /// `start[w]..<end[w]`; `linked[w]` when unit w+1 follows with no special token between
        /// (n-grams and spans never cross a [SEP]).
        var start: UnsafeMutablePointer<Int32>
        var end: UnsafeMutablePointer<Int32>
        var linked: UnsafeMutablePointer<Bool>
        var order: UnsafeMutablePointer<Int32>
        var unitCovered: UnsafeMutablePointer<Bool>
        var tokenCovered: UnsafeMutablePointer<Bool>
        var original: UnsafeMutablePointer<UInt32>
        var gathered: UnsafeMutablePointer<UInt32>
        var gatheredLabels: UnsafeMutablePointer<UInt32>

        init() {
            start = .allocate(capacity: 1); end = .allocate(capacity: 1); linked = .allocate(capacity: 1)
            order = .allocate(capacity: 1); unitCovered = .allocate(capacity: 1)
            tokenCovered = .allocate(capacity: 1); original = .allocate(capacity: 1)
            gathered = .allocate(capacity: 1); gatheredLabels = .allocate(capacity: 1)
        }

        func reserve(_ n: Int) {
            guard n > capacity else { return }
            free()
            let c = max(n, 2 * capacity)
            start = .allocate(capacity: c); end = .allocate(capacity: c); linked = .allocate(capacity: c)
            order = .allocate(capacity: c); unitCovered = .allocate(capacity: c)
            tokenCovered = .allocate(capacity: c); original = .allocate(capacity: c)
            gathered = .allocate(capacity: c); gatheredLabels = .allocate(capacity: c)
            capacity = c
        }

        func free() {
            start.deallocate(); end.deallocate(); linked.deallocate(); order.deallocate()
            unitCovered.deallocate(); tokenCovered.deallocate(); original.deallocate()
            gathered.deallocate(); gatheredLabels.deallocate()
        }

        deinit { free() }
    }

    let storage = Storage()
    /// Number of candidate units of the current sequence.
    var units = 0
    /// Words per span (span masker) or per n-gram (n-gram masker) chosen, for tests and statistics.
    var spanWordCounts: [Int32] = []

    public init() {}

    var start: UnsafeMutablePointer<Int32> { storage.start }
    var end: UnsafeMutablePointer<Int32> { storage.end }
    var linked: UnsafeMutablePointer<Bool> { storage.linked }
    var order: UnsafeMutablePointer<Int32> { storage.order }
    var unitCovered: UnsafeMutablePointer<Bool> { storage.unitCovered }
    var tokenCovered: UnsafeMutablePointer<Bool> { storage.tokenCovered }
    var original: UnsafeMutablePointer<UInt32> { storage.original }
    var gathered: UnsafeMutablePointer<UInt32> { storage.gathered }
    var gatheredLabels: UnsafeMutablePointer<UInt32> { storage.gatheredLabels }

    mutating func reset(_ ids: UnsafeBufferPointer<UInt32>) {
        let n = ids.count
        storage.reserve(n)
        units = 0
        spanWordCounts.removeAll(keepingCapacity: true)
        storage.tokenCovered.update(repeating: false, count: n)
        if n > 0 { storage.original.update(from: ids.baseAddress!, count: n) }
    }

    /// Groups positions into candidate units. With `wholeWords`, a `##` piece joins the unit
    /// before it when that unit ends right before it (Google BERT's rule, except that a `##`
    /// piece after a special token starts its own unit instead of joining a word across [SEP]).
    mutating func collectUnits(_ ids: UnsafeBufferPointer<UInt32>, kind: UnsafeBufferPointer<UInt8>, wholeWords: Bool) {
        let start = storage.start, end = storage.end, linked = storage.linked
        var u = 0
        var previousIsWord = false
        for i in 0..<ids.count {
            let id = Int(ids[i])
            let k = id < kind.count ? kind[id] : VocabularyTables.special
            if k == VocabularyTables.special { previousIsWord = false; continue }
            if wholeWords && k == VocabularyTables.continuation && previousIsWord {
                end[u - 1] = Int32(i + 1)
            } else {
                if previousIsWord { linked[u - 1] = true }
                start[u] = Int32(i); end[u] = Int32(i + 1); linked[u] = false
                u += 1
            }
            previousIsWord = true
        }
        units = u
        for w in 0..<u { storage.order[w] = Int32(w) }
        storage.unitCovered.update(repeating: false, count: u)
    }
}
