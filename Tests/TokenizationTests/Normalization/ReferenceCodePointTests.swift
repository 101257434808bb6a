import XCTest
import Foundation
@testable import Tokenization

/// Every code point, alone, against the reference's own normalize_str output
/// (Fixtures/reference-normalization.txt, tokenizers 0.23.3), through both the readable path
/// (the normalized text) and the fast path (bytes, offsets, words).
final class ReferenceCodePointTests: XCTestCase {
    func testDefault() throws { try check(section: "default", readablePath: true) }
    func testNoLowercase() throws { try check(section: "no-lowercase", readablePath: true) }
    func testLowercaseKeepAccents() throws { try check(section: "lowercase-keep-accents") }
    func testStripAccentsNoLowercase() throws { try check(section: "strip-accents-no-lowercase") }
    func testEverythingOff() throws { try check(section: "nothing") }
    func testNFKCThenDefault() throws { try check(section: "nfkc+default") }

    /// All scalars, each followed by a space (a starter and a split in every mode, so code
    /// points cannot interact), in one input; expectations are built as flat arrays. The
    /// readable path is checked here for the two main option sets (it costs seconds in debug
    /// builds); FastPathAgreementTests ties it to the fast path for all of them.
    private func check(section: String, readablePath: Bool = false) throws {
        let fixture = NormalizationFixtures.perCodePoint
        let expected = fixture.outputs[section] ?? [:]  // "nothing": every code point unchanged
        let options = NormalizationFixtures.options(forSection: section)
        let splitter = try BertTextSplitter(options: options)
        let scalars = NormalizationFixtures.scalars

        var input: [UInt8] = [], sourced: [SourcedScalar] = []
        var wantValues: [UInt32] = [], wantStarts: [Int32] = []  // readable path
        var wantBytes: [UInt8] = [], wantByteStarts: [Int32] = [], wantWords: [PreTokenizedText.Word] = []
        input.reserveCapacity(5 * scalars.count)
        var wordStart = -1, wordScalars: Int32 = 0
        func closeWord() {
            if wordStart >= 0 {
                wantWords.append(.init(start: Int32(wordStart), end: Int32(wantBytes.count), scalarCount: wordScalars))
                wordStart = -1
            }
        }
        for cp in scalars {
            let start = Int32(input.count)
            appendUTF8(cp, to: &input)
            sourced.append(SourcedScalar(value: cp, start: start, end: Int32(input.count)))
            sourced.append(SourcedScalar(value: 0x20, start: Int32(input.count), end: Int32(input.count) + 1))
            let out = expected[cp] ?? [cp]
            for v in out {
                wantValues.append(v); wantStarts.append(start)
                if fixture.splitWhitespace.contains(v) { closeWord(); continue }
                let punctuation = fixture.splitPunctuation.contains(v)
                if punctuation { closeWord() }
                if wordStart < 0 { wordStart = wantBytes.count; wordScalars = 0 }
                wordScalars += 1
                let before = wantBytes.count
                appendUTF8(v, to: &wantBytes)
                for _ in before..<wantBytes.count { wantByteStarts.append(start) }
                if punctuation { closeWord() }
            }
            closeWord()
            wantValues.append(0x20); wantStarts.append(Int32(input.count))
            input.append(0x20)
        }

        // Readable path.
        if readablePath {
            var text = sourced
            if options.preNormalization != .none {
                text = PreNormalizer(form: options.preNormalization, properties: splitter.properties).normalize(text)
            }
            text = splitter.reference.normalize(text)
            let gotValues = text.map(\.value), gotStarts = text.map(\.start)
            if gotValues != wantValues || gotStarts != wantStarts {
                let k = min(firstMismatch(gotValues, wantValues), firstMismatch(gotStarts, wantStarts))
                XCTFail(
                    "[\(section)] readable path differs from the reference near \(describe(k, gotStarts, wantStarts, input))"
                )
            }
        }

        // Fast path.
        var out = PreTokenizedText()
        input.withUnsafeBufferPointer { splitter.split($0, into: &out) }
        if out.bytes != wantBytes || out.sourceStart != wantByteStarts {
            let k = min(firstMismatch(out.bytes, wantBytes), firstMismatch(out.sourceStart, wantByteStarts))
            XCTFail(
                "[\(section)] fast path bytes differ from the reference near \(describe(k, out.sourceStart, wantByteStarts, input))"
            )
        }
        if out.words != wantWords {
            let k = firstMismatch(out.words, wantWords)
            let at = k < wantWords.count ? Int(wantWords[k].start) : wantBytes.count - 1
            XCTFail(
                "[\(section)] fast path words differ from the reference near \(describe(at, wantByteStarts, wantByteStarts, input))"
            )
        }
    }

    private func describe(_ k: Int, _ got: [Int32], _ want: [Int32], _ input: [UInt8]) -> String {
        let offset = Int(k < want.count ? want[k] : (k < got.count ? got[k] : 0))
        var start = offset
        while start > 0 && input[start] & 0xC0 == 0x80 { start -= 1 }
        let (cp, _) = input.withUnsafeBufferPointer { UTF8Decoding.decode($0.baseAddress!, at: start, count: $0.count) }
        return "U+\(hex(cp)) (index \(k))"
    }

    /// BertPreTokenizer over a normalized string, using the reference's classes from the fixture.
    static func words(of normalized: [UInt32], fixture: NormalizationFixtures.PerCodePoint) -> [String] {
        var words: [String] = [], current = ""
        for cp in normalized {
            let scalar = Unicode.Scalar(cp)!
            if fixture.splitWhitespace.contains(cp) {
                if !current.isEmpty { words.append(current); current = "" }
            } else if fixture.splitPunctuation.contains(cp) {
                if !current.isEmpty { words.append(current); current = "" }
                words.append(String(scalar))
            } else {
                current.unicodeScalars.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    func testSplitClassesMatchReference() throws {
        let fixture = NormalizationFixtures.perCodePoint
        let properties = try UnicodeProperties(unicode: .reference)
        XCTAssertEqual(fixture.splitWhitespace.count, 25)
        var differing: [UInt32] = []
        for cp in NormalizationFixtures.scalars {
            if properties.isSplitWhitespace(cp) != fixture.splitWhitespace.contains(cp)
                || properties.isPunctuation(cp) != fixture.splitPunctuation.contains(cp)
            {
                differing.append(cp)
            }
        }
        XCTAssertEqual(differing.map(hex), [])
    }
}

func firstMismatch<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
    for k in 0..<min(a.count, b.count) where a[k] != b[k] { return k }
    return min(a.count, b.count)
}

func hex(_ cp: UInt32) -> String { String(cp, radix: 16, uppercase: true) }

func appendUTF8(_ cp: UInt32, to out: inout [UInt8]) {
    if cp < 0x80 { out.append(UInt8(cp)); return }
    if cp < 0x800 { out.append(UInt8(0xC0 | cp >> 6)); out.append(UInt8(0x80 | cp & 0x3F)); return }
    if cp < 0x10000 {
        out.append(UInt8(0xE0 | cp >> 12)); out.append(UInt8(0x80 | cp >> 6 & 0x3F));
        out.append(UInt8(0x80 | cp & 0x3F))
        return
    }
    out.append(UInt8(0xF0 | cp >> 18)); out.append(UInt8(0x80 | cp >> 12 & 0x3F))
    out.append(UInt8(0x80 | cp >> 6 & 0x3F)); out.append(UInt8(0x80 | cp & 0x3F))
}
