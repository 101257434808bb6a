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
        text.compactMap { s in
            if properties.isDeletedByCleanText(s.value) { return nil }
            if properties.isCleanTextWhitespace(s.value) { return SourcedScalar(value: 0x20, start: s.start, end: s.end) }
            return s
        }
    }

    /// Surrounds each CJK ideograph with spaces; the spaces carry the ideograph's range.
    func padChineseCharacters(_ text: [SourcedScalar]) -> [SourcedScalar] {
        text.flatMap { s -> [SourcedScalar] in
            guard properties.isChineseCharacter(s.value) else { return [s] }
            let space = SourcedScalar(value: 0x20, start: s.start, end: s.end)
            return [space, s, space]
        }
    }

    /// NFD of the whole text, then drop nonspacing marks. NFD sorts each run of non-starters
    /// by combining class; the reference's alignments stay in place while the characters move
    /// (each position keeps its source range), so we sort values only, not ranges.
    func stripAccents(_ text: [SourcedScalar]) -> [SourcedScalar] {
        var decomposed: [SourcedScalar] = []
        var parts: [UInt32] = []
        for s in text {
            parts.removeAll(keepingCapacity: true)
            properties.appendCanonicalDecomposition(of: s.value, to: &parts)
            for p in parts { decomposed.append(SourcedScalar(value: p, start: s.start, end: s.end)) }
        }
        var runStart = 0
        while runStart < decomposed.count {
            guard properties.combiningClass(decomposed[runStart].value) != 0 else { runStart += 1; continue }
            var runEnd = runStart
            while runEnd < decomposed.count, properties.combiningClass(decomposed[runEnd].value) != 0 { runEnd += 1 }
            let sorted = decomposed[runStart..<runEnd].map(\.value)
                .enumerated()
                .sorted { a, b in
                    let (ca, cb) = (properties.combiningClass(a.element), properties.combiningClass(b.element))
                    return ca != cb ? ca < cb : a.offset < b.offset   // stable
                }
            for (k, entry) in sorted.enumerated() { decomposed[runStart + k].value = entry.element }
            runStart = runEnd
        }
        return decomposed.filter { !properties.isNonspacingMark($0.value) }
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
