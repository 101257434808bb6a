import Foundation
import XCTest
@testable import Tokenization

/// Words and per-character source ranges against the reference (Fixtures/reference-alignments.jsonl,
/// from BertNormalizer + BertPreTokenizer of tokenizers 0.23.3): hand-picked quirks and seeded
/// random strings rich in combining marks (NFD reordering), controls, CJK and case specials.
final class ReferenceAlignmentTests: XCTestCase {
    struct Case: Decodable {
        var text: String
        var options: [String: Option]
        var words: [Word]?
        var words_only: [String]?
        enum Option: Decodable, Equatable {
            case flag(Bool?), name(String)
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if c.decodeNil() {
                    self = .flag(nil)
                } else if let b = try? c.decode(Bool.self) {
                    self = .flag(b)
                } else {
                    self = .name(try c.decode(String.self))
                }
            }
            var bool: Bool? { if case let .flag(b) = self { return b } else { return nil } }
        }
        struct Word: Decodable {
            var text: String
            var ranges: [[Int32]]
            init(from decoder: Decoder) throws {
                var c = try decoder.unkeyedContainer()
                text = try c.decode(String.self)
                ranges = try c.decode([[Int32]].self)
            }
        }
    }

    func testWordsAndOffsetsMatchReference() throws {
        let lines = try String(contentsOf: NormalizationFixtures.url("reference-alignments.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        XCTAssertTrue(lines[0].contains("tokenizers 0.23.3"))
        var checked = 0, reorderingCases = 0, preNormalized = 0
        for line in lines.dropFirst() {
            let c = try JSONDecoder().decode(Case.self, from: Data(line.utf8))
            var options = NormalizerOptions()
            options.cleanText = c.options["clean_text"]?.bool == true
            options.handleChineseChars = c.options["handle_chinese_chars"]?.bool == true
            options.lowercase = c.options["lowercase"]?.bool == true
            options.stripAccents = c.options["strip_accents"]?.bool
            if case let .name(form)? = c.options["pre_normalization"] {
                options.preNormalization = try XCTUnwrap(NormalizerOptions.PreNormalization(rawValue: form))
            }
            let splitter = try BertTextSplitter(options: options)
            if let wordsOnly = c.words_only {
                let want = wordsOnly.map { Scalars($0) }
                XCTAssertEqual(
                    splitter.words(c.text).map { Scalars($0.text) }, want,
                    "fast path: \(c.text.debugDescription) \(options)")
                XCTAssertEqual(
                    splitter.words(c.text, reference: true).map { Scalars($0.text) }, want,
                    "readable path: \(c.text.debugDescription) \(options)")
                preNormalized += 1
                continue
            }
            let want = (c.words ?? []).map { SplitWord(text: $0.text, ranges: $0.ranges) }
            XCTAssertEqual(splitter.words(c.text), want, "fast path: \(c.text.debugDescription) \(c.options)")
            XCTAssertEqual(splitter.words(c.text, reference: true), want, "readable path: \(c.text.debugDescription)")
            if c.text.unicodeScalars.contains(where: { [0x1D165, 0x1D16D, 0x1D167].contains($0.value) }) {
                reorderingCases += 1
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 1500)
        XCTAssertGreaterThan(reorderingCases, 20)
        XCTAssertGreaterThan(preNormalized, 1500)
    }
}
