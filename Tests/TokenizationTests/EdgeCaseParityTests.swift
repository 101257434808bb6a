import Foundation
import XCTest
@testable import Tokenization

/// Every row of `edge-cases.jsonl` (HF tokenizers 0.23.3, Scripts/reference/tokenizer_fixtures.py):
/// ids, tokens, type ids and offsets (scalar and byte) must equal the reference's.
final class EdgeCaseParityTests: XCTestCase {
    /// Rows whose texts are printable ASCII (plus tab, LF, CR) exercise WordPiece, added tokens, pairs and
    /// truncation without depending on the Unicode tables.
    func testASCIICases() throws { try check { isASCII($0) } }

    /// All rows, whatever their script; the failure message lists every row that differs.
    func testAllCases() throws { try check { _ in true } }

    private func isASCII(_ row: [String: Any]) -> Bool {
        let texts = [row["text"] as? String, row["text_pair"] as? String].compactMap { $0 }
        return texts.allSatisfy { $0.utf8.allSatisfy { (0x20..<0x7F).contains($0) || $0 == 9 || $0 == 10 || $0 == 13 } }
    }

    private func check(_ include: ([String: Any]) -> Bool) throws {
        let rows = try Fixtures.rows("edge-cases.jsonl")
        XCTAssertGreaterThan(rows.count, 1000)
        var failures: [String] = []
        var checked = 0
        var encoding = Encoding()
        var encoders: [String: BertEncoder] = [:]
        for row in rows where include(row) {
            checked += 1
            let vocab = row["vocab"] as! String
            let lowercase = row["lowercase"] as! Bool
            let key = "\(vocab)-\(lowercase)"
            let encoder = try encoders[key] ?? Fixtures.tokenizer(vocab, lowercase: lowercase).makeEncoder()
            encoders[key] = encoder
            let text = Array((row["text"] as! String).utf8)
            let pair = (row["text_pair"] as? String).map { Array($0.utf8) }
            let options = EncodeOptions(
                addSpecialTokens: row["add_special_tokens"] as! Bool,
                maxLength: row["max_length"] as? Int)
            try text.withUnsafeBufferPointer { t in
                if let pair {
                    try pair.withUnsafeBufferPointer {
                        try encoder.encode(t, pair: $0, options: options, into: &encoding)
                    }
                } else {
                    try encoder.encode(t, options: options, into: &encoding)
                }
            }
            let ids = encoding.ids.asInts
            let offsets = encoding.scalarOffsets(text: text, pair: pair).map { [$0.0, $0.1] }
            let byteOffsets = (0..<encoding.count).map { [Int(encoding.byteStarts[$0]), Int(encoding.byteEnds[$0])] }
            let tokens = encoding.ids.map { encoder.tokenizer.vocabulary.token(for: $0) }
            var what: [String] = []
            if ids != row["ids"] as! [Int] { what.append("ids \(ids) != \(row["ids"]!)") }
            if tokens != row["tokens"] as! [String] { what.append("tokens") }
            if encoding.typeIDs.map(Int.init) != row["type_ids"] as! [Int] { what.append("type_ids") }
            if offsets != row["offsets"] as! [[Int]] { what.append("offsets \(offsets) != \(row["offsets"]!)") }
            if byteOffsets != row["byte_offsets"] as! [[Int]] { what.append("byte_offsets") }
            if !what.isEmpty {
                failures.append(
                    "\(row["id"]!) [\(key), special=\(options.addSpecialTokens)]: \(what.joined(separator: "; "))")
            }
        }
        XCTAssertGreaterThan(checked, 100)
        if !failures.isEmpty {
            XCTFail(
                "\(failures.count) of \(checked) edge cases differ from the reference:\n"
                    + failures.prefix(25).joined(separator: "\n"))
        }
    }
}
