import Tokenization

/// Per-id flags and the replacement pool, computed once per vocabulary so the masking
/// loops test a byte instead of comparing strings.
final class VocabularyTables: @unchecked Sendable {
    /// 1: never a masking candidate (specials, `[unusedN]`); 2: `##` continuation piece.
    let kind: [UInt8]
    /// Ids a "random token" replacement may produce: every id that is not special
    /// (Google BERT draws from the whole vocabulary, [CLS]/[PAD]/[unused] included; we don't).
    let replacementIDs: [UInt32]
    let maskID: UInt32
    /// `replacementIDs[k] == replacementBase + k` for every k, when that holds (BERT vocabularies:
    /// [PAD], [unusedN], [UNK], [CLS], [SEP], [MASK] come first), else `nil`. Lets the masker
    /// compute a random token instead of loading it from a 100+ KB table (a cache miss each).
    let replacementBase: UInt32?

    static let special: UInt8 = 1
    static let continuation: UInt8 = 2

    init(vocabulary: Vocabulary) {
        var kind = [UInt8](repeating: 0, count: vocabulary.count)
        var pool: [UInt32] = []
        pool.reserveCapacity(vocabulary.count)
        for id in 0..<vocabulary.count {
            if vocabulary.isSpecial(UInt32(id)) {
                kind[id] = Self.special
            } else {
                if vocabulary.isContinuation(UInt32(id)) { kind[id] = Self.continuation }
                pool.append(UInt32(id))
            }
        }
        self.kind = kind
        self.replacementIDs = pool
        let base = pool.first ?? 0
        replacementBase = pool.enumerated().allSatisfy({ $0.element == base &+ UInt32($0.offset) }) ? base : nil
        guard let mask = vocabulary.special.mask else {
            preconditionFailure("\(vocabulary.path): vocabulary has no [MASK] token")
        }
        self.maskID = mask
    }
}
