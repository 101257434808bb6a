/// A code point of the text being normalized and the byte range of the original input it
/// came from. Scalars inserted by a stage (a decomposition, a lowercase expansion) carry
/// the range of the scalar they replaced, as the reference's alignments do.
struct SourcedScalar: Equatable {
    var value: UInt32
    var start: Int32
    var end: Int32
}

/// The readable path: BERT normalization and pre-tokenization as separate stages over an
/// array of scalars, in the reference's order (`BertNormalizer::normalize`, then
/// `BertPreTokenizer`). It is the specification the fused `BertTextSplitter` fast path is
/// tested against, and the path that fast path falls back to for the rare input where NFD
/// reorders combining marks across scalars. Not meant to be fast.
struct ReferenceSplitter {
    let options: NormalizerOptions
    let properties: UnicodeProperties

    func split(_ input: UnsafeBufferPointer<UInt8>, sourceBase: Int32, into output: inout PreTokenizedText) {
        var text = UTF8Decoding.scalars(of: input, sourceBase: sourceBase)
        if options.preNormalization != .none {
            text = PreNormalizer(form: options.preNormalization, properties: properties).normalize(text)
        }
        text = normalize(text)
        for word in preTokenize(text) {
            appendWord(word, to: &output)
        }
    }

    /// `BertNormalizer`: clean_text, handle_chinese_chars, strip_accents, lowercase.
    func normalize(_ input: [SourcedScalar]) -> [SourcedScalar] {
        var text = input
        if options.cleanText { text = cleanText(text) }
        if options.handleChineseChars { text = padChineseCharacters(text) }
        if options.effectiveStripAccents { text = stripAccents(text) }
        if options.lowercase { text = lowercase(text) }
        return text
    }

    /// Deletes NUL, U+FFFD and controls; whitespace becomes U+0020.
    func cleanText(_ text: [SourcedScalar]) -> [SourcedScalar] {
        var out: [SourcedScalar] = []
        out.reserveCapacity(text.count)
        for s in text where !properties.isDeletedByCleanText(s.value) {
            out.append(
                properties.isCleanTextWhitespace(s.value) ? SourcedScalar(value: 0x20, start: s.start, end: s.end) : s)
        }
        return out
    }

    /// Surrounds each CJK ideograph with spaces; the spaces carry the ideograph's range.
    func padChineseCharacters(_ text: [SourcedScalar]) -> [SourcedScalar] {
        var out: [SourcedScalar] = []
        out.reserveCapacity(text.count)
        for s in text {
            if properties.isChineseCharacter(s.value) {
                let space = SourcedScalar(value: 0x20, start: s.start, end: s.end)
                out.append(space); out.append(s); out.append(space)
            } else {
                out.append(s)
            }
        }
        return out
    }

    /// NFD of the whole text, then drop nonspacing marks. NFD sorts each run of non-starters
    /// by combining class, across scalars. The reference (`unicode-normalization-alignments`
    /// feeding `NormalizedString::transform`) tags each piece "replaces the next source
    /// scalar" (the first piece of a decomposition) or "inserted" (the others), the tags travel
    /// with the pieces when they are sorted, and offsets are then handed out in the new order:
    /// a first piece takes the next source scalar's range, an inserted one the range of the
    /// source scalar taken last. So a reordered mark can end up with a neighbour's range; we
    /// reproduce that exactly (checked against the reference in ReferenceAlignmentTests).
    func stripAccents(_ text: [SourcedScalar]) -> [SourcedScalar] {
        struct Piece { var value: UInt32; var combiningClass: UInt8; var replacesSource: Bool }
        var pieces: [Piece] = []
        pieces.reserveCapacity(text.count)
        var parts: [UInt32] = []
        for s in text {
            parts.removeAll(keepingCapacity: true)
            properties.appendCanonicalDecomposition(of: s.value, to: &parts)
            for (k, p) in parts.enumerated() {
                pieces.append(Piece(value: p, combiningClass: properties.combiningClass(p), replacesSource: k == 0))
            }
        }
        // Canonical ordering: a stable sort of each maximal run of non-starters.
        var runStart = 0
        while runStart < pieces.count {
            guard pieces[runStart].combiningClass != 0 else { runStart += 1; continue }
            var runEnd = runStart
            while runEnd < pieces.count, pieces[runEnd].combiningClass != 0 { runEnd += 1 }
            let sorted = pieces[runStart..<runEnd].enumerated().sorted { a, b in
                a.element.combiningClass != b.element.combiningClass
                    ? a.element.combiningClass < b.element.combiningClass : a.offset < b.offset
            }
            for (k, entry) in sorted.enumerated() { pieces[runStart + k] = entry.element }
            runStart = runEnd
        }
        var out: [SourcedScalar] = []
        out.reserveCapacity(pieces.count)
        var next = 0  // the next source scalar to be replaced
        for piece in pieces {
            let source: SourcedScalar
            if piece.replacesSource { source = text[next]; next += 1 } else { source = text[max(next - 1, 0)] }
            if !properties.isNonspacingMark(piece.value) {
                out.append(SourcedScalar(value: piece.value, start: source.start, end: source.end))
            }
        }
        return out
    }

    /// Full lowercase of each scalar on its own (ΟΔΟΣ → οδοσ, İ → i + U+0307).
    func lowercase(_ text: [SourcedScalar]) -> [SourcedScalar] {
        var out: [SourcedScalar] = []
        var parts: [UInt32] = []
        for s in text {
            parts.removeAll(keepingCapacity: true)
            properties.appendLowercase(of: s.value, to: &parts)
            for p in parts { out.append(SourcedScalar(value: p, start: s.start, end: s.end)) }
        }
        return out
    }

    /// `BertPreTokenizer`: split on whitespace (removed), isolate each punctuation scalar.
    func preTokenize(_ text: [SourcedScalar]) -> [[SourcedScalar]] {
        var words: [[SourcedScalar]] = []
        var current: [SourcedScalar] = []
        for s in text {
            if properties.isSplitWhitespace(s.value) {
                if !current.isEmpty { words.append(current); current = [] }
            } else if properties.isPunctuation(s.value) {
                if !current.isEmpty { words.append(current); current = [] }
                words.append([s])
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    private func appendWord(_ word: [SourcedScalar], to output: inout PreTokenizedText) {
        let start = Int32(output.bytes.count)
        for s in word {
            for byte in UTF8Decoding.encode(s.value) {
                output.bytes.append(byte)
                output.sourceStart.append(s.start)
                output.sourceEnd.append(s.end)
            }
        }
        output.words.append(.init(start: start, end: Int32(output.bytes.count), scalarCount: Int32(word.count)))
    }
}
