// The readable version of WordPiece, line for line the algorithm of HF `tokenizers`
// 0.23.3 (`models/wordpiece/mod.rs`, `WordPiece::tokenize`): for each start, try the
// longest remaining substring first and shrink until it is in the vocabulary.
// Quadratic per word and allocating; tests check `WordPieceModel` against it.

/// Slow, obviously-correct WordPiece used as the oracle for `WordPieceModel`.
struct ReferenceWordPiece {
    let vocabulary: Vocabulary
    init(vocabulary: Vocabulary) { self.vocabulary = vocabulary }

    /// Pieces of one (already normalized, pre-tokenized) word: ids and scalar ranges.
    func tokenize(_ word: String) -> [(id: Int32, scalars: Range<Int>)] {
        let chars = Array(word.unicodeScalars)
        let unk = Int32(vocabulary.special.unknown)
        if chars.count > vocabulary.wordPiece.maxInputCharsPerWord { return [(unk, 0..<chars.count)] }
        var pieces: [(id: Int32, scalars: Range<Int>)] = []
        var start = 0
        while start < chars.count {
            var end = chars.count
            var found: Int32?
            while start < end {
                var candidate = String(String.UnicodeScalarView(chars[start..<end]))
                if start > 0 { candidate = vocabulary.wordPiece.continuationPrefix + candidate }
                if let id = vocabulary.id(for: candidate) { found = id; break }
                end -= 1
            }
            guard let id = found else { return [(unk, 0..<chars.count)] }
            pieces.append((id, start..<end))
            start = end
        }
        return pieces
    }
}
