import Foundation

/// How often each distinct word occurs, keyed by the word's UTF-8 bytes: the input of
/// `WordPieceTrainer` (HF's `BpeTrainer::feed` result).
///
/// Counting a corpus touches this once per word occurrence, so nothing here allocates per
/// occurrence: the bytes of each distinct word are copied once into one growing arena, and
/// the open-addressing index keeps 32 bits of each word's hash next to its entry number, so
/// a probe rarely leaves the index before the word is found. Memory grows with the number
/// of distinct words (about 40 bytes each plus their bytes), never with the corpus.
///
/// Entries keep their insertion order (`index` 0, 1, ...). Not thread-safe: count with one
/// table per thread and `merge` them.
public final class WordCountTable {
    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaCount = 0
    private var arenaCapacity: Int
    private var starts: UnsafeMutablePointer<Int>
    private var lengths: UnsafeMutablePointer<Int32>
    private var hashes: UnsafeMutablePointer<UInt64>
    private var occurrenceCounts: UnsafeMutablePointer<UInt64>
    private var entryCapacity: Int
    /// Empty is 0; otherwise `(entry + 1) << 32 | hash >> 32`.
    private var slots: UnsafeMutablePointer<UInt64>
    private var slotMask: Int

    /// Number of distinct words.
    public private(set) var count = 0
    /// Sum of all occurrences added.
    public private(set) var totalOccurrences: UInt64 = 0

    public init(minimumCapacity: Int = 1 << 12) {
        entryCapacity = max(minimumCapacity, 16)
        var slotCount = 32
        while slotCount < 2 * entryCapacity { slotCount <<= 1 }
        slotMask = slotCount - 1
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        arenaCapacity = entryCapacity * 8
        arena = .allocate(capacity: arenaCapacity)
        starts = .allocate(capacity: entryCapacity)
        lengths = .allocate(capacity: entryCapacity)
        hashes = .allocate(capacity: entryCapacity)
        occurrenceCounts = .allocate(capacity: entryCapacity)
    }

    /// A table holding `counts` (for tests and callers with counts already in hand).
    public convenience init(_ counts: [String: UInt64]) {
        self.init(minimumCapacity: counts.count)
        for (word, n) in counts.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            add(word, occurrences: n)
        }
    }

    deinit {
        arena.deallocate(); starts.deallocate(); lengths.deallocate()
        hashes.deallocate(); occurrenceCounts.deallocate(); slots.deallocate()
    }

    /// Adds `occurrences` of the word with these UTF-8 bytes (an empty word, or none of it,
    /// adds nothing: HF never holds either).
    @inline(__always)
    public func add(_ word: UnsafeBufferPointer<UInt8>, occurrences: UInt64 = 1) {
        guard let base = word.baseAddress, word.count > 0, occurrences > 0 else { return }
        add(base, length: word.count, hash: Self.hash(base, word.count), occurrences: occurrences)
    }

    public func add(_ word: String, occurrences: UInt64 = 1) {
        var copy = word
        copy.withUTF8 { add($0, occurrences: occurrences) }
    }

    /// Adds every word of `other` (the per-thread tables of a parallel count, summed).
    public func merge(_ other: WordCountTable) {
        for e in 0..<other.count {
            add(
                other.arena + other.starts[e], length: Int(other.lengths[e]), hash: other.hashes[e],
                occurrences: other.occurrenceCounts[e])
        }
    }

    /// The bytes of word `index` (0..<count); valid until the next `add` or `merge`.
    @inline(__always)
    public func word(at index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: arena + starts[index], count: Int(lengths[index]))
    }

    @inline(__always)
    public func occurrences(at index: Int) -> UInt64 { occurrenceCounts[index] }

    /// Occurrences of `word`, 0 if it was never added.
    public func occurrences(of word: String) -> UInt64 {
        var copy = word
        return copy.withUTF8 { buffer -> UInt64 in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
            let entry = find(base, length: buffer.count, hash: Self.hash(base, buffer.count))
            return entry < 0 ? 0 : occurrenceCounts[entry]
        }
    }

    /// The counts as a dictionary (tests, small tables).
    public var dictionary: [String: UInt64] {
        var out: [String: UInt64] = [:]
        for e in 0..<count { out[String(decoding: word(at: e), as: UTF8.self)] = occurrenceCounts[e] }
        return out
    }

    // MARK: - Index

    @inline(__always)
    private func find(_ base: UnsafePointer<UInt8>, length: Int, hash: UInt64) -> Int {
        let tag = hash >> 32
        var i = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let slot = slots[i]
            if slot == 0 { return -1 }
            if slot & 0xFFFF_FFFF == tag {
                let e = Int(slot >> 32) - 1
                if Int(lengths[e]) == length && Self.equal(arena + starts[e], base, length) { return e }
            }
            i = (i + 1) & slotMask
        }
    }

    @inline(__always)
    private func add(_ base: UnsafePointer<UInt8>, length: Int, hash: UInt64, occurrences: UInt64) {
        totalOccurrences &+= occurrences
        let tag = hash >> 32
        var i = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let slot = slots[i]
            if slot == 0 { break }
            if slot & 0xFFFF_FFFF == tag {
                let e = Int(slot >> 32) - 1
                if Int(lengths[e]) == length && Self.equal(arena + starts[e], base, length) {
                    occurrenceCounts[e] &+= occurrences
                    return
                }
            }
            i = (i + 1) & slotMask
        }
        // A new word. `base` is never inside this table's arena, so growing it first is safe.
        if count == entryCapacity { growEntries() }
        if arenaCount + length > arenaCapacity { growArena(atLeast: arenaCount + length) }
        let e = count
        (arena + arenaCount).update(from: base, count: length)
        starts[e] = arenaCount; lengths[e] = Int32(length); hashes[e] = hash; occurrenceCounts[e] = occurrences
        arenaCount += length
        count += 1
        if 2 * count > slotMask + 1 {
            rehash(slotCount: 2 * (slotMask + 1))
        } else {
            slots[i] = UInt64(e + 1) << 32 | tag
        }
    }

    private func growEntries() {
        let newCapacity = entryCapacity * 2
        func move<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let new = UnsafeMutablePointer<T>.allocate(capacity: newCapacity)
            new.moveInitialize(from: old, count: count)
            old.deallocate()
            return new
        }
        starts = move(starts); lengths = move(lengths); hashes = move(hashes)
        occurrenceCounts = move(occurrenceCounts)
        entryCapacity = newCapacity
    }

    private func growArena(atLeast needed: Int) {
        var newCapacity = arenaCapacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        new.moveInitialize(from: arena, count: arenaCount)
        arena.deallocate()
        arena = new
        arenaCapacity = newCapacity
    }

    /// Rebuilds the index with `slotCount` slots (a power of two) from the entries.
    private func rehash(slotCount: Int) {
        slots.deallocate()
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        slotMask = slotCount - 1
        for e in 0..<count {
            let h = hashes[e]
            var i = Int(truncatingIfNeeded: h) & slotMask
            while slots[i] != 0 { i = (i + 1) & slotMask }
            slots[i] = UInt64(e + 1) << 32 | h >> 32
        }
    }

    /// Byte equality inline: words are short, and a `memcmp` call per occurrence costs more
    /// than the comparison.
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i + 8 <= n {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self)
                != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self)
            {
                return false
            }
            i += 8
        }
        while i < n {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// A fast 64-bit hash of a short byte string (words are mostly under 16 bytes): eight
    /// bytes at a time through a multiply-xorshift mix, then a final avalanche so both the
    /// low bits (slot) and the high bits (tag) depend on every byte.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ (UInt64(n) &* 0x9E37_79B9_7F4A_7C15)
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n { w |= UInt64(p[i]) << shift; shift += 8; i += 1 }
            h = (h ^ w) &* 0x94D0_49BB_1331_11EB
            h ^= h >> 29
        }
        h ^= h >> 32
        h &*= 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return h
    }
}
