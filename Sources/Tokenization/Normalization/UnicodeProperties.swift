import CICU

/// Errors raised while setting up the normalizer.
public enum NormalizerError: Error, CustomStringConvertible, Equatable {
    /// `--unicode reference` needs the ICU its overlay was generated against.
    case icuVersionMismatch(found: String, expected: String)
    /// An ICU call failed for a code point (should not happen with a sane ICU).
    case icuFailure(function: String, codePoint: UInt32)

    public var description: String {
        switch self {
        case let .icuVersionMismatch(found, expected):
            return "normalizer: --unicode reference needs ICU with Unicode \(expected) (its overlay was generated "
                + "against it) but found Unicode \(found); re-run Scripts/reference/unicode_overlay.py or use --unicode current"
        case let .icuFailure(function, codePoint):
            return "normalizer: ICU \(function) failed for U+\(String(codePoint, radix: 16, uppercase: true))"
        }
    }
}

/// The character properties BERT normalization and pre-tokenization ask about, answered
/// from ICU and, in `.reference` mode, corrected by the generated `ReferenceOverlay` so the
/// answers are those of HF `tokenizers` 0.23.3 (whose tables are roughly Unicode 8, with
/// lowercase from a newer Rust std).
///
/// The definitions mirror the reference (`tokenizers/src/normalizers/bert.rs`,
/// `pre_tokenizers/bert.rs`); `Scripts/reference/unicode_overlay.py` derives the same
/// properties from ICU in Python, so keep the two in step.
struct UnicodeProperties: Sendable {
    let unicode: NormalizerOptions.UnicodeBehaviour
    /// Per code point: which overlay toggles apply (reference mode only).
    private let toggles: [UInt16]
    private let decompositionOverride: [UInt32: [UInt32]]
    private let lowercaseOverride: [UInt32: [UInt32]]

    private enum Toggle: UInt16 {
        case deleted = 1, cleanSpace = 2, cjk = 4, splitSpace = 8, punctuation = 16
        case nonStarter = 32, nonspacingMark = 64
        /// The reference's NFC/NFKC leaves the code point alone where ICU's changes it.
        case normalizationOpaque = 128
        /// The overlay has a decomposition or lowercase of its own for the code point.
        case mapped = 256
    }

    static let scalarLimit: UInt32 = 0x110000

    init(unicode: NormalizerOptions.UnicodeBehaviour) throws {
        self.unicode = unicode
        guard unicode == .reference else {
            toggles = []; decompositionOverride = [:]; lowercaseOverride = [:]
            return
        }
        let icuVersion = String(cString: drb_icu_unicode_version())
        guard icuVersion == ReferenceOverlay.icuUnicodeVersion else {
            throw NormalizerError.icuVersionMismatch(found: icuVersion, expected: ReferenceOverlay.icuUnicodeVersion)
        }
        var toggles = [UInt16](repeating: 0, count: Int(Self.scalarLimit))
        func mark(_ ranges: [UInt32], _ toggle: Toggle) {
            for pair in stride(from: 0, to: ranges.count, by: 2) {
                for cp in ranges[pair]...ranges[pair + 1] { toggles[Int(cp)] |= toggle.rawValue }
            }
        }
        mark(ReferenceOverlay.deletedToggles, .deleted)
        mark(ReferenceOverlay.cleanSpaceToggles, .cleanSpace)
        mark(ReferenceOverlay.cjkToggles, .cjk)
        mark(ReferenceOverlay.splitSpaceToggles, .splitSpace)
        mark(ReferenceOverlay.punctuationToggles, .punctuation)
        mark(ReferenceOverlay.nonStarterToggles, .nonStarter)
        mark(ReferenceOverlay.nonspacingMarkToggles, .nonspacingMark)
        let nfkc = Self.mappings(ReferenceOverlay.nfkc)
        let decomposition = Self.mappings(ReferenceOverlay.canonicalDecomposition)
        // Every NFKC difference is "the reference leaves it alone" (asserted below); code
        // points the reference cannot decompose are opaque to its NFC as well.
        for (cp, value) in nfkc {
            precondition(value == [cp], "overlay: NFKC difference that is not identity at U+\(String(cp, radix: 16))")
            toggles[Int(cp)] |= Toggle.normalizationOpaque.rawValue
        }
        // Code points the reference cannot decompose, and ICU's pieces of them (which ICU's
        // NFC would compose back), are opaque to its NFC as well; so are the marks whose
        // combining class its tables lack (they are starters there, so never reordered).
        for (cp, value) in decomposition where value == [cp] {
            toggles[Int(cp)] |= Toggle.normalizationOpaque.rawValue
            var pieces = [UInt32](repeating: 0, count: 8)
            let n = Int(drb_icu_canonical_decomposition(cp, &pieces, 8))
            for piece in pieces.prefix(max(0, min(n, 8))) { toggles[Int(piece)] |= Toggle.normalizationOpaque.rawValue }
        }
        for pair in stride(from: 0, to: ReferenceOverlay.nonStarterToggles.count, by: 2) {
            for cp in ReferenceOverlay.nonStarterToggles[pair]...ReferenceOverlay.nonStarterToggles[pair + 1] {
                toggles[Int(cp)] |= Toggle.normalizationOpaque.rawValue
            }
        }
        for cp in decomposition.keys { toggles[Int(cp)] |= Toggle.mapped.rawValue }
        lowercaseOverride = Self.mappings(ReferenceOverlay.lowercase)
        for cp in lowercaseOverride.keys { toggles[Int(cp)] |= Toggle.mapped.rawValue }
        self.toggles = toggles
        decompositionOverride = decomposition
    }

    private static func mappings(_ flat: [UInt32]) -> [UInt32: [UInt32]] {
        var result: [UInt32: [UInt32]] = [:]
        var i = 0
        while i < flat.count {
            let count = Int(flat[i + 1])
            result[flat[i]] = Array(flat[(i + 2)..<(i + 2 + count)])
            i += 2 + count
        }
        return result
    }

    @inline(__always)
    private func toggled(_ cp: UInt32, _ toggle: Toggle) -> Bool {
        unicode == .reference && toggles[Int(cp)] & toggle.rawValue != 0
    }

    // ICU UCharCategory values (uchar.h).
    private static let nonspacingMarkCategory: Int32 = 6
    private static let controlCategories: ClosedRange<Int32> = 15...18  // Cc Cf Co Cs
    private static func isPunctuationCategory(_ gc: Int32) -> Bool {
        (19...23).contains(gc) || gc == 28 || gc == 29  // Pd Ps Pe Pc Po Pi Pf
    }

    /// clean_text drops it: NUL, U+FFFD, and `is_control` (Cc, Cf, Co, Cs) except tab, LF, CR.
    /// Checked before whitespace, which is why U+000B, U+000C and U+0085 vanish rather than
    /// become spaces (a reference quirk kept for parity).
    func isDeletedByCleanText(_ cp: UInt32) -> Bool {
        let icu =
            cp == 0 || cp == 0xFFFD
            || (cp != 9 && cp != 10 && cp != 13 && Self.controlCategories.contains(drb_icu_general_category(cp)))
        return icu != toggled(cp, .deleted)
    }

    /// clean_text turns it into U+0020 (when not deleted): tab, LF, CR and White_Space.
    func isCleanTextWhitespace(_ cp: UInt32) -> Bool {
        let icu = cp == 9 || cp == 10 || cp == 13 || drb_icu_is_white_space(cp) != 0
        return icu != toggled(cp, .cleanSpace)
    }

    /// handle_chinese_chars pads it with spaces. The reference uses fixed ranges that skip
    /// U+2B820...U+2B91F and predate Extensions F-H; `.current` uses ICU's CJK blocks.
    func isChineseCharacter(_ cp: UInt32) -> Bool {
        (drb_icu_is_cjk_ideograph_block(cp) != 0) != toggled(cp, .cjk)
    }

    /// The pre-tokenizer splits on it (Rust `char::is_whitespace`, i.e. White_Space).
    func isSplitWhitespace(_ cp: UInt32) -> Bool {
        (drb_icu_is_white_space(cp) != 0) != toggled(cp, .splitSpace)
    }

    /// The pre-tokenizer isolates it: ASCII punctuation (which includes symbols such as
    /// `$ + < = > ^ ` | ~`) or general category P*.
    func isPunctuation(_ cp: UInt32) -> Bool {
        let ascii =
            (33...47).contains(cp) || (58...64).contains(cp) || (91...96).contains(cp) || (123...126).contains(cp)
        let icu = ascii || Self.isPunctuationCategory(drb_icu_general_category(cp))
        return icu != toggled(cp, .punctuation)
    }

    /// strip_accents drops it after NFD (general category Mn).
    func isNonspacingMark(_ cp: UInt32) -> Bool {
        (drb_icu_general_category(cp) == Self.nonspacingMarkCategory) != toggled(cp, .nonspacingMark)
    }

    /// Canonical combining class used for NFD's canonical reordering. Classes never change
    /// once assigned, so the reference's class is ICU's or 0 (unknown to its older tables).
    func combiningClass(_ cp: UInt32) -> UInt8 {
        let icu = UInt8(truncatingIfNeeded: drb_icu_combining_class(cp))
        return toggled(cp, .nonStarter) ? 0 : icu
    }

    /// A cheap screen for the table builder, from `drb_icu_fill_traits` bits: true when no
    /// stage under `options` touches `cp` (an unchanged word character with class 0).
    func isUntouched(_ cp: UInt32, traits t: UInt16, options: NormalizerOptions) -> Bool {
        if unicode == .reference && toggles[Int(cp)] != 0 { return false }
        let gc = Int32(t & 0x1F), whiteSpace = t & 1 << 5 != 0
        if whiteSpace || Self.isPunctuationCategory(gc) { return false }
        if (33...47).contains(cp) || (58...64).contains(cp) || (91...96).contains(cp) || (123...126).contains(cp) {
            return false
        }
        if options.cleanText
            && (cp == 0 || cp == 0xFFFD || cp == 9 || cp == 10 || cp == 13
                || Self.controlCategories.contains(gc))
        {
            return false
        }
        if options.handleChineseChars && t & 1 << 6 != 0 { return false }
        if options.effectiveStripAccents && (t & (1 << 7 | 1 << 9) != 0 || gc == Self.nonspacingMarkCategory) {
            return false
        }
        if options.lowercase && t & 1 << 8 != 0 { return false }
        return true
    }

    /// A cheap screen for the ~100,000 ideographs: true when `cp` is a CJK ideograph that no
    /// other stage touches, so the table entry is simply "isolated, unchanged".
    func isPlainIdeograph(_ cp: UInt32, traits t: UInt16, options: NormalizerOptions) -> Bool {
        guard options.handleChineseChars, isChineseCharacter(cp) else { return false }
        if unicode == .reference && toggles[Int(cp)] & ~Toggle.cjk.rawValue != 0 { return false }
        let gc = Int32(t & 0x1F)
        if t & 1 << 5 != 0 || Self.isPunctuationCategory(gc) || Self.controlCategories.contains(gc) { return false }
        if options.effectiveStripAccents && (t & (1 << 7 | 1 << 9) != 0 || gc == Self.nonspacingMarkCategory) {
            return false
        }
        return !(options.lowercase && t & 1 << 8 != 0)
    }

    /// True where NFD changes `cp`.
    func hasCanonicalDecomposition(_ cp: UInt32) -> Bool {
        if unicode == .reference, let mapped = decompositionOverride[cp] { return mapped != [cp] }
        return drb_icu_has_canonical_decomposition(cp) != 0
    }

    /// True where the full lowercase of `cp` is not `cp`.
    func changesWhenLowercased(_ cp: UInt32) -> Bool {
        if unicode == .reference, let mapped = lowercaseOverride[cp] { return mapped != [cp] }
        return drb_icu_changes_when_lowercased(cp) != 0
    }

    /// Appends the full canonical decomposition of `cp`.
    func appendCanonicalDecomposition(of cp: UInt32, to out: inout [UInt32]) {
        if unicode == .reference, let mapped = decompositionOverride[cp] {
            out.append(contentsOf: mapped); return
        }
        if drb_icu_has_canonical_decomposition(cp) == 0 { out.append(cp); return }
        appendICU(cp, to: &out, function: "canonical decomposition", drb_icu_canonical_decomposition)
    }

    /// Appends the full lowercase mapping of `cp` alone (no context, so no final sigma).
    func appendLowercase(of cp: UInt32, to out: inout [UInt32]) {
        if unicode == .reference, let mapped = lowercaseOverride[cp] {
            out.append(contentsOf: mapped); return
        }
        if drb_icu_changes_when_lowercased(cp) == 0 { out.append(cp); return }
        appendICU(cp, to: &out, function: "lowercase", drb_icu_lowercase)
    }

    /// True where the reference's NFC/NFKC leaves `cp` alone but ICU's would not.
    func isNormalizationOpaque(_ cp: UInt32) -> Bool { toggled(cp, .normalizationOpaque) }

    private func appendICU(
        _ cp: UInt32, to out: inout [UInt32], function: String,
        _ call: (UInt32, UnsafeMutablePointer<UInt32>?, Int32) -> Int32
    ) {
        var buffer = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        let count = withUnsafeMutableBytes(of: &buffer) { raw in
            call(cp, raw.baseAddress!.assumingMemoryBound(to: UInt32.self), 8)
        }
        // One code point never maps to more than a handful; fail loudly rather than guess.
        precondition(
            count >= 0 && count <= 8, NormalizerError.icuFailure(function: function, codePoint: cp).description)
        withUnsafeBytes(of: &buffer) { raw in
            out.append(
                contentsOf: UnsafeBufferPointer(
                    start: raw.baseAddress!.assumingMemoryBound(to: UInt32.self),
                    count: Int(count)))
        }
    }
}
