import CICU

/// Optional NFC/NFKC before the BERT rules (not part of `BertNormalizer`; the reference
/// equivalent is `normalizers.Sequence([NFKC(), BertNormalizer(...)])`).
///
/// The text is cut into normalization segments (a new one starts wherever ICU says a
/// boundary may precede the code point) and each segment is normalized on its own, so
/// offsets stay exact for single-scalar segments (ﬁ → f, i both point at ﬁ) and otherwise
/// cover the whole segment (e + U+0301 → é points at both). In reference mode, code points
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

    func normalize(_ text: [SourcedScalar]) -> [SourcedScalar] {
        guard form != .none else { return text }
        var out: [SourcedScalar] = []
        out.reserveCapacity(text.count)
        var buffer = [UInt32](repeating: 0, count: 64)
        var values: [UInt32] = []
        var start = 0
        while start < text.count {
            var end = start + 1
            if !properties.isNormalizationOpaque(text[start].value) {
                while end < text.count, !startsSegment(text[end].value) { end += 1 }
            }
            let segment = text[start..<end]
            if segment.count == 1, properties.isNormalizationOpaque(segment.first!.value)
                || drb_icu_is_inert(icuForm, segment.first!.value) != 0 {
                out.append(segment.first!)
                start = end
                continue
            }
            values = segment.map(\.value)
            var n = Int(drb_icu_normalize(icuForm, values, Int32(values.count), &buffer, Int32(buffer.count)))
            if n > buffer.count {
                buffer = [UInt32](repeating: 0, count: n)
                n = Int(drb_icu_normalize(icuForm, values, Int32(values.count), &buffer, Int32(buffer.count)))
            }
            if n < 0 {
                out.append(contentsOf: segment)   // ICU refused: keep the text as it was
            } else {
                let range = (segment.first!.start, segment.last!.end)
                for k in 0..<n { out.append(SourcedScalar(value: buffer[k], start: range.0, end: range.1)) }
            }
            start = end
        }
        return out
    }
}
