import CICU
import Foundation

/// What normalization + pre-tokenization does to each code point on its own, fused into one
/// lookup for the hot loop. Built once per distinct option set (and cached) by running the
/// readable `ReferenceSplitter` stages on every code point, so the two paths cannot drift
/// apart except through NFD reordering across scalars, which the fast path detects and hands
/// back to the readable path.
///
/// Layout (chosen for speed): a 128-entry ASCII table, then a two-level table for all code
/// points: `index[cp >> 8]` picks a 256-entry block of 64-bit entries; identical blocks are
/// stored once (most of the 4,352 blocks are unassigned or plain letters), so the whole table
/// is well under a megabyte. Entry bits:
///   0-1   class of an unchanged code point: 0 word, 1 whitespace (split), 2 isolated (punctuation, CJK)
///   2     replaced: the output is `pool[offset]` scalars at `pool[offset + 1...]`, each
///         `scalar | class << 24` (a count of 0 means every piece was dropped, e.g. a lone accent)
///   3     deleted by clean_text (not part of the NFD stream either)
///   4     NFC may change it or its neighbours (not inert; for pre-normalization)
///   5     NFKC may change it or its neighbours
///   24-31 replaced: number of UTF-8 bytes of the output
///   8-15  combining class of the first scalar of the code point's NFD (strip_accents only)
///   16-23 combining class of its last scalar
///   32-63 pool offset
/// An entry of 0 means "unchanged word character, starter": copy the bytes.
final class ScalarTable: @unchecked Sendable {
    static let classWord: UInt64 = 0, classSpace: UInt64 = 1, classIsolated: UInt64 = 2
    static let replaced: UInt64 = 1 << 2, deleted: UInt64 = 1 << 3
    static let nfcSensitive: UInt64 = 1 << 4, nfkcSensitive: UInt64 = 1 << 5

    /// ASCII: low byte the output byte, high byte the class (0 word, 1 space, 2 isolated, 3 deleted).
    let ascii: UnsafeMutablePointer<UInt16>
    let index: UnsafeMutablePointer<UInt16>
    let blocks: UnsafeMutablePointer<UInt64>
    let pool: UnsafeMutablePointer<UInt32>
    let blockCount: Int

    init(options: NormalizerOptions, properties: UnicodeProperties) {
        let reference = ReferenceSplitter(options: options, properties: properties)
        var pool: [UInt32] = []
        var blockIDs: [[UInt64]: UInt16] = [:]
        var blockList: [UInt64] = []
        var index = [UInt16](repeating: 0, count: Int(UnicodeProperties.scalarLimit >> 8))
        var expansion = 0
        var block = [UInt64](repeating: 0, count: 256)
        var traits = [UInt16](repeating: 0, count: 256)
        var zeroBlock: UInt16? = nil
        for high in 0..<index.count {
            drb_icu_fill_traits(UInt32(high << 8), 256, &traits)
            var allZero = true
            for low in 0..<256 {
                let cp = UInt32(high << 8 | low)
                if (0xD800...0xDFFF).contains(cp) { block[low] = 0; continue }
                // Pre-normalization bits: in reference mode, what the reference cannot
                // normalize is inert to it.
                var sensitivity: UInt64 = 0
                if !properties.isNormalizationOpaque(cp) {
                    if traits[low] & 1 << 10 == 0 { sensitivity |= Self.nfcSensitive }
                    if traits[low] & 1 << 11 == 0 { sensitivity |= Self.nfkcSensitive }
                }
                if properties.isUntouched(cp, traits: traits[low], options: options) {
                    block[low] = sensitivity
                    allZero = allZero && sensitivity == 0
                    continue
                }
                if properties.isPlainIdeograph(cp, traits: traits[low], options: options) {
                    block[low] = sensitivity | Self.classIsolated
                    allZero = false
                    continue
                }
                block[low] =
                    sensitivity
                    | Self.entry(
                        for: cp, options: options, properties: properties,
                        reference: reference, pool: &pool, expansion: &expansion)
                allZero = allZero && block[low] == 0
            }
            if allZero, let zero = zeroBlock {  // most blocks: skip hashing 256 entries
                index[high] = zero
            } else if let id = blockIDs[block] {
                index[high] = id
            } else {
                let id = UInt16(blockList.count / 256)
                blockIDs[block] = id
                blockList.append(contentsOf: block)
                index[high] = id
                if allZero { zeroBlock = id }
            }
        }
        blockCount = blockList.count / 256
        precondition(expansion <= 32, "one code point may not produce more than 32 output bytes")
        self.index = .allocate(capacity: index.count)
        self.index.initialize(from: index, count: index.count)
        self.blocks = .allocate(capacity: blockList.count)
        self.blocks.initialize(from: blockList, count: blockList.count)
        self.pool = .allocate(capacity: max(pool.count, 1))
        self.pool.initialize(from: pool, count: pool.count)
        ascii = .allocate(capacity: 128)
        for b in 0..<128 {
            let e = blockList[b] & ~(Self.nfcSensitive | Self.nfkcSensitive)  // block 0: U+0000...U+00FF
            let value: UInt16
            if e & Self.deleted != 0 {
                value = 3 << 8
            } else if e & Self.replaced != 0 {
                let offset = Int(e >> 32)
                precondition(
                    pool[offset] == 1 && pool[offset + 1] & 0xFFFFFF < 0x80, "ASCII must map to one ASCII byte")
                value = UInt16(pool[offset + 1] >> 24) << 8 | UInt16(pool[offset + 1] & 0x7F)
            } else {
                value = UInt16(e & 3) << 8 | UInt16(b)
            }
            ascii[b] = value
        }
    }

    deinit {
        ascii.deallocate(); index.deallocate(); blocks.deallocate(); pool.deallocate()
    }

    /// The entry without the pre-normalization bits (which the split loop ignores).
    static let splitBits: UInt64 = ~(nfcSensitive | nfkcSensitive)

    /// UTF-8 bytes produced by a replaced entry.
    @inline(__always)
    func outputBytes(_ entry: UInt64) -> UInt64 { entry >> 24 & 0xFF }

    @inline(__always)
    func entry(_ cp: UInt32) -> UInt64 {
        blocks[Int(index[Int(cp >> 8)]) << 8 | Int(cp & 0xFF)]
    }

    private static func entry(
        for cp: UInt32, options: NormalizerOptions, properties p: UnicodeProperties,
        reference: ReferenceSplitter, pool: inout [UInt32], expansion: inout Int
    ) -> UInt64 {
        let strip = options.effectiveStripAccents
        if options.cleanText, p.isDeletedByCleanText(cp) { return deleted }

        func splitClass(_ s: UInt32) -> UInt64 {
            p.isSplitWhitespace(s) ? classSpace : p.isPunctuation(s) ? classIsolated : classWord
        }
        // Combining classes at both ends of this code point's NFD stream (after clean_text and
        // CJK padding, as the reference runs them), for the fast path's reordering check.
        var cccBits: UInt64 = 0
        if strip {
            var stream: [UInt32] = []
            let cleaned = options.cleanText && p.isCleanTextWhitespace(cp) ? 0x20 : cp
            if !(options.handleChineseChars && p.isChineseCharacter(cleaned)) {
                p.appendCanonicalDecomposition(of: cleaned, to: &stream)
                cccBits = UInt64(p.combiningClass(stream.first!)) << 8 | UInt64(p.combiningClass(stream.last!)) << 16
            }
        }
        let out = reference.normalize([SourcedScalar(value: cp, start: 0, end: 0)]).map(\.value)
        if out == [cp] { return splitClass(cp) | cccBits }
        if out == [0x20, cp, 0x20], splitClass(cp) == classWord { return classIsolated | cccBits }
        let offset = UInt64(pool.count)
        pool.append(UInt32(out.count))
        var bytes = 0
        for s in out {
            pool.append(s | UInt32(splitClass(s)) << 24)
            bytes += UTF8Decoding.utf8Length(s)
        }
        expansion = max(expansion, bytes)
        return replaced | cccBits | UInt64(bytes) << 24 | offset << 32
    }

    // MARK: cache — one table per distinct option set, shared by all splitters.

    private struct Key: Hashable {
        var cleanText, handleChineseChars, stripAccents, lowercase: Bool
        var unicode: NormalizerOptions.UnicodeBehaviour
    }
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [Key: ScalarTable] = [:]

    static func shared(options: NormalizerOptions, properties: UnicodeProperties) -> ScalarTable {
        let key = Key(
            cleanText: options.cleanText, handleChineseChars: options.handleChineseChars,
            stripAccents: options.effectiveStripAccents, lowercase: options.lowercase, unicode: options.unicode)
        lock.lock()
        defer { lock.unlock() }
        if let table = cache[key] { return table }
        let table = ScalarTable(options: options, properties: properties)
        cache[key] = table
        return table
    }
}
