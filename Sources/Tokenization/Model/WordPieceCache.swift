import Foundation

// Word frequencies are Zipfian: a few thousand words make up most running text. The trie
// walk costs a few dependent memory loads per byte; a hit here costs one hash over the
// word and one cache line. The cache only memoizes `WordPieceModel`'s pure function of the
// word's bytes, so output is identical with or without it (tested), and it is per thread,
// so there is no sharing.

/// Direct-mapped memo of short words' pieces; one per `BertEncoder`.
final class WordPieceCache {
    static let slotCount = 1 << 15
    static let maxWordBytes = 22
    static let maxPieces = 4
    /// Per slot, 64 bytes (one cache line): key length, piece count, key bytes (22),
    /// piece ends relative to the word (4 × UInt8), then piece ids (4 × Int32) at offset 32.
    private let slots: UnsafeMutableRawPointer

    init() {
        slots = .allocate(byteCount: Self.slotCount * 64, alignment: 64)
        slots.initializeMemory(as: UInt8.self, repeating: 0, count: Self.slotCount * 64)
    }
    deinit { slots.deallocate() }

    @inline(__always) static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: (h ^ (h >> 29)) & UInt64(slotCount - 1))
    }

    /// Appends the cached pieces of `word[0..<n]` (at absolute offset `start`) to `output`;
    /// false on a miss.
    @inline(__always)
    func lookup(_ word: UnsafePointer<UInt8>, _ n: Int, start: Int, into output: WordPieceOutput) -> Bool {
        guard n <= Self.maxWordBytes else { return false }
        let slot = slots + Self.hash(word, n) * 64
        let bytes = slot.assumingMemoryBound(to: UInt8.self)
        guard Int(bytes[0]) == n, memcmp(bytes + 2, word, n) == 0 else { return false }
        let count = Int(bytes[1])
        let ids = (slot + 32).assumingMemoryBound(to: Int32.self)
        var pieceStart = start
        for k in 0..<count {
            let pieceEnd = start + Int(bytes[24 + k])
            output.append(id: ids[k], start: Int32(pieceStart), end: Int32(pieceEnd))
            pieceStart = pieceEnd
        }
        return true
    }

    /// Remembers the pieces `output[first...]` of `word[0..<n]` at absolute offset `start`.
    @inline(__always)
    func store(_ word: UnsafePointer<UInt8>, _ n: Int, start: Int, output: WordPieceOutput, first: Int) {
        let count = output.count - first
        guard n <= Self.maxWordBytes, count <= Self.maxPieces, count > 0 else { return }
        let slot = slots + Self.hash(word, n) * 64
        let bytes = slot.assumingMemoryBound(to: UInt8.self)
        bytes[0] = UInt8(n)
        bytes[1] = UInt8(count)
        (bytes + 2).update(from: word, count: n)
        let ids = (slot + 32).assumingMemoryBound(to: Int32.self)
        for k in 0..<count {
            bytes[24 + k] = UInt8(Int(output.ends[first + k]) - start)
            ids[k] = output.ids[first + k]
        }
    }
}
