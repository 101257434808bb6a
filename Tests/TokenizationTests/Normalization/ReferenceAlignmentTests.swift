import Foundation
import XCTest
@testable import Tokenization

/// Words and per-character source ranges against the reference (Fixtures/reference-alignments.jsonl,
/// from BertNormalizer + BertPreTokenizer of tokenizers 0.23.3): hand-picked quirks and seeded
/// random strings rich in combining marks (NFD reordering), controls, CJK and case specials.
final class ReferenceAlignmentTests: XCTestCase {
    struct Case: Decodable {
        var text: String
        var options: [String: Bool?]
        var words: [Word]
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
        var checked = 0, reorderingCases = 0
        for line in lines.dropFirst() {
            let c = try JSONDecoder().decode(Case.self, from: Data(line.utf8))
            var options = NormalizerOptions()
            options.cleanText = c.options["clean_text"]!! == true
            options.handleChineseChars = c.options["handle_chinese_chars"]!! == true
            options.lowercase = c.options["lowercase"]!! == true
            options.stripAccents = c.options["strip_accents"] ?? nil
            let splitter = try BertTextSplitter(options: options)
            let want = c.words.map { SplitWord(text: $0.text, ranges: $0.ranges) }
            XCTAssertEqual(splitter.words(c.text), want, "fast path: \(c.text.debugDescription) \(c.options)")
            XCTAssertEqual(splitter.words(c.text, reference: true), want, "readable path: \(c.text.debugDescription)")
            if c.text.unicodeScalars.contains(where: { [0x1D165, 0x1D16D, 0x1D167].contains($0.value) }) { reorderingCases += 1 }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 1500)
        XCTAssertGreaterThan(reorderingCases, 20)
    }
}
