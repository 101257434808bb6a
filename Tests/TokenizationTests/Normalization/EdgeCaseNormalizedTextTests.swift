import Foundation
import XCTest
@testable import Tokenization

/// The `normalized` field of the shared edge-case fixture (Fixtures/edge-cases.jsonl, written by
/// Scripts/reference/tokenizer_fixtures.py: `BertNormalizer.normalize_str` of tokenizers 0.23.3)
/// against the readable path's normalized text and the fast path's words.
final class EdgeCaseNormalizedTextTests: XCTestCase {
    struct Row: Decodable {
        var id: String
        var lowercase: Bool
        var text: String
        var text_pair: String?
        var normalized: String
        var normalized_pair: String?
    }

    func testNormalizedTextMatchesReference() throws {
        let url = NormalizationFixtures.url("edge-cases.jsonl")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("edge-cases.jsonl not present (comes from the data branch)")
        }
        let fixture = NormalizationFixtures.perCodePoint
        var seen = Set<String>(), checked = 0
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            guard !line.contains("\"fixture_header\"") else { continue }
            let row = try JSONDecoder().decode(Row.self, from: Data(line.utf8))
            var options = NormalizerOptions()
            options.lowercase = row.lowercase
            let splitter = try BertTextSplitter(options: options)
            for (text, normalized) in [(row.text, row.normalized), (row.text_pair, row.normalized_pair)] {
                guard let text, let normalized, seen.insert("\(row.lowercase) \(text)").inserted else { continue }
                let scalars = Array(text.unicodeScalars).enumerated().map {
                    SourcedScalar(value: $0.element.value, start: Int32($0.offset), end: Int32($0.offset + 1))
                }
                let ours = splitter.reference.normalize(scalars).map(\.value)
                XCTAssertEqual(ours, normalized.unicodeScalars.map(\.value), "\(row.id) lowercase=\(row.lowercase)")
                let want = ReferenceCodePointTests.words(of: normalized.unicodeScalars.map(\.value), fixture: fixture)
                XCTAssertEqual(
                    splitter.words(text).map { Scalars($0.text) }, want.map { Scalars($0) },
                    "\(row.id) lowercase=\(row.lowercase)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 300)
    }
}
