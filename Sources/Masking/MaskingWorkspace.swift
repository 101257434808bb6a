/// Scratch buffers for one masking call, reused across instances so the steady state
/// allocates nothing. One per thread (copies share the buffers).
///
/// Raw buffers rather than arrays: the masking loops run per token of every instance, and
/// array appends there cost a uniqueness check each (15% of `prep mask` in a profile).
/// Only the unit scan touches every token; everything after it is per chosen unit
/// (≈ 15% of the tokens), so a masked instance costs one pass over its tokens.
public struct MaskingWorkspace {
    final class Storage {
        var capacity = 0
        /// Candidate units (whole words, or single tokens in per-token mode): token range
        /// `start[w]..<end[w]`, ascending and disjoint.
        var start: UnsafeMutablePointer<Int32>
        var end: UnsafeMutablePointer<Int32>
        var order: UnsafeMutablePointer<Int32>
        var unitCovered: UnsafeMutablePointer<Bool>
        /// `original[i]`: the id at position i before masking, written for masked positions only.
        var original: UnsafeMutablePointer<UInt32>
        var gathered: UnsafeMutablePointer<UInt32>
        var gatheredLabels: UnsafeMutablePointer<UInt32>
        /// One bit per token position: the masked ones, for reading them back in ascending order.
        var maskedBits: UnsafeMutablePointer<UInt64>

        init() {
            maskedBits = .allocate(capacity: 1)
            start = .allocate(capacity: 1); end = .allocate(capacity: 1)
            order = .allocate(capacity: 1); unitCovered = .allocate(capacity: 1)
            original = .allocate(capacity: 1)
            gathered = .allocate(capacity: 1); gatheredLabels = .allocate(capacity: 1)
        }

        func reserve(_ n: Int) {
            guard n > capacity else { return }
            free()
            // One spare slot: the unit scan writes a speculative start one past the last unit.
            let c = max(n, 2 * capacity) + 1
            start = .allocate(capacity: c); end = .allocate(capacity: c)
            order = .allocate(capacity: c); unitCovered = .allocate(capacity: c)
            original = .allocate(capacity: c)
            gathered = .allocate(capacity: c); gatheredLabels = .allocate(capacity: c)
            maskedBits = .allocate(capacity: c / 64 + 1)
            capacity = c - 1
        }

        func free() {
            start.deallocate(); end.deallocate(); order.deallocate()
            unitCovered.deallocate(); original.deallocate()
            gathered.deallocate(); gatheredLabels.deallocate(); maskedBits.deallocate()
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
    var order: UnsafeMutablePointer<Int32> { storage.order }
    var unitCovered: UnsafeMutablePointer<Bool> { storage.unitCovered }
    var original: UnsafeMutablePointer<UInt32> { storage.original }
    var gathered: UnsafeMutablePointer<UInt32> { storage.gathered }
    var gatheredLabels: UnsafeMutablePointer<UInt32> { storage.gatheredLabels }

    /// Unit w+1 follows unit w with no special token between them (n-grams and spans never
    /// cross a [SEP]). Every non-special token belongs to a unit, so "adjacent" says exactly that.
    @inline(__always) func linked(_ w: Int) -> Bool {
        w + 1 < units && storage.end[w] == storage.start[w + 1]
    }

    mutating func reset(count n: Int) {
        storage.reserve(n)
        units = 0
        storage.maskedBits.update(repeating: 0, count: (n + 63) >> 6)
        spanWordCounts.removeAll(keepingCapacity: true)
    }

    /// Marks unit w masked (the span and n-gram maskers ask before extending over a unit).
    @inline(__always) mutating func cover(_ w: Int) {
        storage.unitCovered[w] = true
    }

    /// Marks position i masked (read back by `gatherMasked`).
    @inline(__always) func markMasked(_ i: Int) {
        storage.maskedBits[i >> 6] |= 1 &<< UInt64(i & 63)
    }

    /// Groups positions into candidate units. With `wholeWords`, a `##` piece joins the unit
    /// before it when that unit ends right before it (Google BERT's rule, except that a `##`
    /// piece after a special token starts its own unit instead of joining a word across [SEP]).
    ///
    /// Written without a branch on "joins the previous word" (a coin flip per token on real
    /// text, so a mispredicted branch each time): every non-special token stores itself as the
    /// start of the next unit and as the end of the current one, and only a word start moves on.
    mutating func collectUnits(_ ids: UnsafeBufferPointer<UInt32>, kind: UnsafeBufferPointer<UInt8>, wholeWords: Bool) {
        let start = storage.start, end = storage.end
        let kindCount = kind.count
        let joinKind: UInt8 = wholeWords ? VocabularyTables.continuation : 0xFF
        var u = 0
        var previousIsWord = false
        for i in 0..<ids.count {
            let id = Int(ids[i])
            let k = id < kindCount ? kind[id] : VocabularyTables.special
            if k == VocabularyTables.special { previousIsWord = false; continue }
            let joins = k == joinKind && previousIsWord
            start[u] = Int32(i)
            u &+= joins ? 0 : 1
            end[u &- 1] = Int32(i &+ 1)
            previousIsWord = true
        }
        units = u
        for w in 0..<u { storage.order[w] = Int32(w) }
        storage.unitCovered.update(repeating: false, count: u)
    }

    /// Writes the masked positions, ascending, and their original ids to `gathered` /
    /// `gatheredLabels`; returns how many. The masked positions are a bit set over the `count`
    /// tokens, scanned a word at a time: no per-unit loop with an unpredictable trip count.
    mutating func gatherMasked(count n: Int) -> Int {
        let bits = storage.maskedBits
        let gathered = storage.gathered, labels = storage.gatheredLabels, original = storage.original
        var m = 0
        for word in 0..<((n + 63) >> 6) {
            var x = bits[word]
            while x != 0 {
                let i = word << 6 | x.trailingZeroBitCount
                x &= x &- 1
                gathered[m] = UInt32(i)
                labels[m] = original[i]
                m += 1
            }
        }
        return m
    }
}
