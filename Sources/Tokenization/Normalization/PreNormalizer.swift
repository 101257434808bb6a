import CICU

/// Optional NFC/NFKC before the BERT rules (not part of `BertNormalizer`; the reference
/// equivalent is `normalizers.Sequence([NFKC(), BertNormalizer(...)])`).
///
/// The text is cut into normalization segments (a new one starts wherever ICU says a
/// boundary may precede the code point) and each segment is normalized on its own, so
/// offsets stay exact for single-scalar segments (ﬁ → f, i both point at ﬁ) and cover just
/// the scalars involved otherwise (e + U+0301 → é points at both). In reference mode, code points
/// the reference's older tables cannot normalize are left alone and cut off as segments of
/// their own.
struct PreNormalizer {
    let form: NormalizerOptions.PreNormalization
    let properties: UnicodeProperties

    private var icuForm: Int32 {
        switch form {
        case .nfc: return Int32(DRB_ICU_NFC)
        case .nfkc, .none: return Int32(DRB_ICU_NFKC)
        }
    }

    private func startsSegment(_ cp: UInt32) -> Bool {
        drb_icu_has_boundary_before(icuForm, cp) != 0 || properties.isNormalizationOpaque(cp)
    }

    /// ICU's normalization of `values`, or nil if ICU refuses.
    private func icuNormalize(_ values: ArraySlice<UInt32>, buffer: inout [UInt32]) -> ArraySlice<UInt32>? {
        let input = Array(values)
        var n = Int(drb_icu_normalize(icuForm, input, Int32(input.count), &buffer, Int32(buffer.count)))
        if n > buffer.count {
            buffer = [UInt32](repeating: 0, count: n)
            n = Int(drb_icu_normalize(icuForm, input, Int32(input.count), &buffer, Int32(buffer.count)))
        }
        return n < 0 ? nil : buffer[0..<n]
    }

    /// Normalizes one segment. Offsets: the segment is normalized one scalar longer at a time;
    /// output that the new scalar leaves as it was keeps its ranges, the rest is attributed to
    /// the span from the first changed scalar through the new one (so " " + U+3133 → " " + U+11AA
    /// keeps both exact, while e + U+0301 → é covers both). Long segments (pathological runs of
    /// marks) get one range for all their output instead of the quadratic refinement.
    private func appendNormalized(
        _ segment: ArraySlice<SourcedScalar>, to out: inout [SourcedScalar],
        buffer: inout [UInt32]
    ) {
        let values = segment.map(\.value)
        guard let whole = icuNormalize(values[...], buffer: &buffer) else {
            out.append(contentsOf: segment); return  // ICU refused: keep the text as it was
        }
        if whole.elementsEqual(values) { out.append(contentsOf: segment); return }
        if segment.count == 1 || segment.count > 32 {
            let range = (segment.first!.start, segment.last!.end)
            out.append(contentsOf: whole.map { SourcedScalar(value: $0, start: range.0, end: range.1) })
            return
        }
        var result: [SourcedScalar] = []
        for k in 1...values.count {
            guard let prefix = icuNormalize(values[0..<k], buffer: &buffer) else { break }
            let added = segment[segment.startIndex + k - 1]
            var common = 0
            while common < result.count, common < prefix.count,
                result[common].value == prefix[prefix.startIndex + common]
            { common += 1 }
            let spanStart = common < result.count ? result[common].start : added.start
            result.removeLast(result.count - common)
            for v in prefix.dropFirst(common) {
                result.append(SourcedScalar(value: v, start: spanStart, end: added.end))
            }
        }
        out.append(contentsOf: result)
    }

    func normalize(_ text: [SourcedScalar]) -> [SourcedScalar] {
        guard form != .none else { return text }
        var out: [SourcedScalar] = []
        out.reserveCapacity(text.count)
        var buffer = [UInt32](repeating: 0, count: 64)
        var start = 0
        while start < text.count {
            var end = start + 1
            if !properties.isNormalizationOpaque(text[start].value) {
                while end < text.count, !startsSegment(text[end].value) { end += 1 }
            }
            let segment = text[start..<end]
            if segment.count == 1,
                properties.isNormalizationOpaque(segment.first!.value)
                    || drb_icu_is_inert(icuForm, segment.first!.value) != 0
            {
                out.append(segment.first!)
                start = end
                continue
            }
            appendNormalized(segment, to: &out, buffer: &buffer)
            start = end
        }
        return out
    }
}
