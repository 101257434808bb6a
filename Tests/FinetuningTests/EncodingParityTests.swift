import Foundation
import Tokenization
import XCTest

@testable import Finetuning

/// `TaskDataset.load` against `transformers.BertTokenizerFast` (fixture from
/// Scripts/reference/finetune_data_fixtures.py): singles, pairs, longest-first truncation at
/// budgets with ties, an empty pair, 150 rows of the bundled task's dev set. The live check
/// (Scripts/parity/finetune-data) points DRBERT_FTDATA_FIXTURES at freshly generated ones.
final class EncodingParityTests: XCTestCase {
    struct Case {
        var text: String
        var pair: String?
        var maxLength: Int
        var ids: [Int32]
        var typeIDs: [Int32]
    }

    static func cases() throws -> [Case] {
        let url =
            ProcessInfo.processInfo.environment["DRBERT_FTDATA_FIXTURES"].map {
                URL(fileURLWithPath: $0).appendingPathComponent("encoded-pairs.jsonl")
            } ?? TaskFixtures.fixture("encoded-pairs.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return Case(
                text: o["text"] as! String, pair: o["text_pair"] as? String, maxLength: o["max_length"] as! Int,
                ids: (o["input_ids"] as! [Int]).map(Int32.init),
                typeIDs: (o["token_type_ids"] as! [Int]).map(Int32.init))
        }
    }

    func testIDsAndSegmentsEqualBertTokenizerFast() throws {
        let all = try Self.cases()
        XCTAssertGreaterThan(all.count, 150)
        // One JSONL file per budget (the budget is a per-file option), rows in fixture order.
        for (maxLength, group) in Dictionary(grouping: all, by: \.maxLength) {
            var lines = ""
            for c in group {
                var o: [String: Any] = ["text": c.text, "label": "x"]
                if let p = c.pair { o["text_pair"] = p }
                lines += String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self) + "\n"
            }
            let d = try TaskFixtures.load(lines, name: "pairs.jsonl", options: TaskDataOptions(maxLength: maxLength))
            XCTAssertEqual(d.examples.count, group.count)
            for (c, e) in zip(group, d.examples) {
                XCTAssertEqual(e.inputIDs, c.ids, "\(c.text) | \(c.pair ?? "-") at \(maxLength)")
                XCTAssertEqual(e.tokenTypeIDs, c.typeIDs, "\(c.text) | \(c.pair ?? "-") at \(maxLength)")
            }
        }
    }

    func testTiesGiveTheOddTokenToTheSecondSequence() throws {
        // 6 + 6 word tokens into 10 - 3 = 7 places: 3 from A, 4 from B (as HF tokenizers).
        let d = try TaskFixtures.load(
            "sentence1\tsentence2\tlabel\none two three four five six\tsix five four three two one\ta\n",
            options: TaskDataOptions(maxLength: 10))
        XCTAssertEqual(d.examples[0].tokenTypeIDs.filter { $0 == 0 }.count, 5)  // [CLS] + 3 + [SEP]
        XCTAssertEqual(d.examples[0].tokenTypeIDs.filter { $0 == 1 }.count, 5)  // 4 + [SEP]
    }
}
