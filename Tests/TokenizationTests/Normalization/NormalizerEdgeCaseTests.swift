import XCTest
@testable import Tokenization

/// The quirks the issue names, spelled out. Expected values are the reference's
/// (tokenizers 0.23.3 BertNormalizer + BertPreTokenizer), as recorded in the fixtures; they
/// are repeated here so a failure reads as the quirk that broke.
final class NormalizerEdgeCaseTests: XCTestCase {
    /// Words as arrays of scalars written as strings: compared scalar by scalar (String ==
    /// would treat canonically equivalent spellings as equal).
    private func words(_ text: String, _ configure: (inout NormalizerOptions) -> Void = { _ in }) throws -> [Scalars] {
        var options = NormalizerOptions()
        configure(&options)
        return try BertTextSplitter(options: options).words(text).map { Scalars($0.text) }
    }

    func testGreekCapitalSigmaHasNoFinalForm() throws {
        XCTAssertEqual(try words("ΟΔΟΣ"), ["οδοσ"])
        XCTAssertEqual(try words("ΟΔΟΣ") { $0.unicode = .current }, ["οδοσ"])  // per scalar in both modes
    }

    func testDottedCapitalI() throws {
        XCTAssertEqual(try words("İ"), ["i"])  // NFD, then U+0307 dropped
        XCTAssertEqual(try words("İ") { $0.stripAccents = false }, ["i\u{307}"])  // full lowercase mapping
        XCTAssertEqual(try words("İ") { $0.lowercase = false }, ["İ"])  // nothing NFD-ed
    }

    func testVerticalTabFormFeedAndNextLineAreDeletedNotSpaces() throws {
        XCTAssertEqual(try words("a\u{0B}b\u{0C}c\u{85}d e\u{A0}f"), ["abcd", "e", "f"])
        // Without clean_text they stay, and the pre-tokenizer splits on them (Rust is_whitespace).
        XCTAssertEqual(try words("a\u{0B}b\u{85}c") { $0.cleanText = false }, ["a", "b", "c"])
    }

    func testChineseRangesSkipTheExtensionEGap() throws {
        XCTAssertEqual(
            try words("x\u{2B81F}\u{2B820}\u{2B91F}\u{2B920}y"),
            ["x", "\u{2B81F}", "\u{2B820}\u{2B91F}", "\u{2B920}", "y"])
        XCTAssertEqual(try words("x\u{2B820}y") { $0.unicode = .current }, ["x", "\u{2B820}", "y"])
        // Extension G (Unicode 13) is outside the reference's ranges, inside ICU's blocks.
        XCTAssertEqual(try words("x\u{30000}y"), ["x\u{30000}y"])
        XCTAssertEqual(try words("x\u{30000}y") { $0.unicode = .current }, ["x", "\u{30000}", "y"])
    }

    func testPunctuationIsASCIIRangesPlusCategoryP() throws {
        XCTAssertEqual(try words("a$b+c^d`e|f~g"), ["a", "$", "b", "+", "c", "^", "d", "`", "e", "|", "f", "~", "g"])
        XCTAssertEqual(try words("¿qué?"), ["¿", "que", "?"])
        XCTAssertEqual(try words("a€b"), ["a€b"])  // Sc outside ASCII: not split
    }

    func testUnassignedCodePointsAreKept() throws {
        XCTAssertEqual(try words("a\u{E0080}b \u{0378}"), ["a\u{E0080}b", "\u{0378}"])
    }

    func testNewerCharactersFollowTheReferenceTables() throws {
        // U+0890 (Arabic pound mark above, Cf since Unicode 14) is not a control to the reference.
        XCTAssertEqual(try words("a\u{890}b"), ["a\u{890}b"])
        XCTAssertEqual(try words("a\u{890}b") { $0.unicode = .current }, ["ab"])
        // U+A7CB (Unicode 16 capital) lowercases in the reference (newer Rust std), not in ICU 72.
        XCTAssertEqual(try words("\u{A7CB}"), ["\u{264}"])
        XCTAssertEqual(try words("\u{A7CB}") { $0.unicode = .current }, ["\u{A7CB}"])
    }

    func testLigaturesAndWidthUnderNFKC() throws {
        XCTAssertEqual(try words("ﬁnd ｆｕｌｌ ①"), ["ﬁnd", "ｆｕｌｌ", "①"])
        let splitter = try BertTextSplitter(
            options: {
                var o = NormalizerOptions(); o.preNormalization = .nfkc; return o
            }())
        let result = splitter.words("ﬁnd ｆｕｌｌ ①")
        XCTAssertEqual(result.map { Scalars($0.text) }, ["find", "full", "1"])
        XCTAssertEqual(result[0].ranges, [[0, 3], [0, 3], [3, 4], [4, 5]])  // f and i both point at ﬁ
        XCTAssertEqual(result[1].ranges, [[6, 9], [9, 12], [12, 15], [15, 18]])
    }

    func testCombiningSequencesUnderNFC() throws {
        var options = NormalizerOptions()
        options.lowercase = false; options.preNormalization = .nfc
        let result = try BertTextSplitter(options: options).words("Cafe\u{301}!")
        XCTAssertEqual(result.map { Scalars($0.text) }, ["Caf\u{E9}", "!"])
        XCTAssertEqual(result[0].ranges.last, [3, 6])  // é covers e + U+0301
    }

    func testReorderingKeepsReferenceOffsets() throws {
        // Reference: x(0,1) 𝅥(1,5) 𝅭(5,7) y(11,12): the marks swap, the ranges stay (ReferenceAlignmentTests).
        var options = NormalizerOptions()
        options.lowercase = false; options.stripAccents = true
        let result = try BertTextSplitter(options: options).words("x\u{1D16D}\u{301}\u{1D165}y")
        XCTAssertEqual(
            result, [SplitWord(text: "x\u{1D165}\u{1D16D}y", ranges: [[0, 1], [1, 5], [5, 7], [11, 12]])])
    }

    func testInvalidUTF8BecomesReplacementCharacter() throws {
        let splitter = try BertTextSplitter(options: NormalizerOptions())
        var out = PreTokenizedText()
        let bytes: [UInt8] = [0x61, 0xFF, 0x62, 0xE4, 0xB8]  // a, invalid, b, truncated 中
        bytes.withUnsafeBufferPointer { splitter.split($0, into: &out) }
        XCTAssertEqual(SplitWord.words(of: out).map { Scalars($0.text) }, ["ab"])  // U+FFFD is deleted by clean_text
        var kept = NormalizerOptions(); kept.cleanText = false
        var out2 = PreTokenizedText()
        bytes.withUnsafeBufferPointer { try! BertTextSplitter(options: kept).split($0, into: &out2) }
        XCTAssertEqual(SplitWord.words(of: out2).map { Scalars($0.text) }, ["a\u{FFFD}b\u{FFFD}\u{FFFD}"])
    }

    func testEmptyAndWhitespaceOnlyInput() throws {
        XCTAssertEqual(try words(""), [])
        XCTAssertEqual(try words(" \t\r\n\u{3000}"), [])
    }

    func testSourceBaseAndScalarCounts() throws {
        let splitter = try BertTextSplitter(options: NormalizerOptions())
        var out = PreTokenizedText()
        let bytes = Array("Ünïcode 中".utf8)
        bytes.withUnsafeBufferPointer { splitter.split($0, sourceBase: 100, into: &out) }
        XCTAssertEqual(out.words.map(\.scalarCount), [7, 1])
        XCTAssertEqual(out.sourceStart.first, 100)
        XCTAssertEqual(out.sourceEnd.last, 100 + Int32(bytes.count))
    }

    func testReferenceModeNeedsTheOverlaysICU() throws {
        // The overlay is pinned to the ICU it was computed against; this machine has it.
        XCTAssertEqual(String(cString: drbICUVersion()), ReferenceOverlay.icuUnicodeVersion)
    }
}

import CICU
private func drbICUVersion() -> UnsafePointer<CChar> { drb_icu_unicode_version() }

/// A string compared by its scalars.
struct Scalars: Equatable, ExpressibleByStringLiteral, CustomStringConvertible {
    var values: [UInt32]
    init(_ s: String) { values = s.unicodeScalars.map(\.value) }
    init(stringLiteral s: String) { self.init(s) }
    var description: String { values.map { "U+" + hex($0) }.joined(separator: " ") }
}
