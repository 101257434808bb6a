import Foundation
import XCTest

@testable import Finetuning

/// Every kind of bad task file gives one line naming the file and the line (and column).
final class TaskDataErrorTests: XCTestCase {
    private func message(_ body: () throws -> Any) -> String {
        let e = TaskFixtures.error(body)
        XCTAssertEqual(e?.exitCode, 2)
        XCTAssertFalse(e?.description.contains("\n") ?? true, "one line")
        return e?.description ?? ""
    }

    func testUnknownLabelGivenTheTrainingLabels() {
        let m = message {
            try TaskFixtures.load("sentence\tlabel\na\tpos\nb\tmaybe\n", labelNames: ["neg", "pos"])
        }
        XCTAssertTrue(m.hasSuffix("task.tsv:3:2: unknown label 'maybe' (the labels are neg, pos)"), m)
    }

    func testUnknownLabelInJSONLNamesTheByteColumn() {
        let m = message {
            try TaskFixtures.load("{\"text\": \"a\", \"label\": 7}\n", name: "d.jsonl", labelNames: ["0", "1"])
        }
        XCTAssertTrue(m.hasSuffix("d.jsonl:1:24: unknown label '7' (the labels are 0, 1)"), m)
    }

    func testRaggedRowWithTooManyFields() {
        let m = message { try TaskFixtures.load("sentence\tlabel\na\t1\nb\t0\textra\n") }
        XCTAssertTrue(m.hasSuffix("task.tsv:3: ragged row: 3 tab-separated fields, the header has 2"), m)
    }

    func testEmptyFiles() {
        XCTAssertTrue(
            message { try TaskFixtures.load("") }.hasSuffix("task.tsv: empty file (a TSV task file needs a header row)")
        )
        XCTAssertTrue(
            message { try TaskFixtures.load("sentence\tlabel\n") }.hasSuffix(
                "task.tsv: no examples after the header row"))
        XCTAssertTrue(
            message { try TaskFixtures.load("", name: "e.jsonl") }.hasSuffix("e.jsonl: empty file (no examples)"))
    }

    func testMissingColumns() {
        let named = message {
            try TaskFixtures.load("sentence\tlabel\na\t1\n", options: TaskDataOptions(textColumn: "premise"))
        }
        XCTAssertTrue(named.hasSuffix("task.tsv:1: no column 'premise' in the header (sentence, label)"), named)
        let index = message {
            try TaskFixtures.load("sentence\tlabel\na\t1\n", options: TaskDataOptions(labelColumn: "2"))
        }
        XCTAssertTrue(index.hasSuffix("task.tsv:1: column index 2 is out of range: the header has 2 columns"), index)
        let label = message { try TaskFixtures.load("sentence\tscore\na\t1\n") }
        XCTAssertTrue(label.contains("task.tsv:1: no label column"), label)
        let text = message { try TaskFixtures.load("{\"sentence\": \"a\", \"label\": 1}\n", name: "m.jsonl") }
        XCTAssertTrue(text.hasSuffix("m.jsonl:1: no \"text\" member"), text)
    }

    func testInvalidUTF8NamesLineAndByteColumn() throws {
        var tsv = Array("sentence\tlabel\nok\t1\n".utf8)
        tsv += [UInt8(ascii: "a"), 0xC3, 0x28, UInt8(ascii: "\t"), UInt8(ascii: "0"), UInt8(ascii: "\n")]
        let url = try TaskFixtures.write(tsv, name: "bad.tsv")
        let m = message {
            try TaskDataset.load(url, options: TaskDataOptions(), tokenizer: TaskFixtures.tokenizer, labelNames: nil)
        }
        XCTAssertTrue(m.hasSuffix("bad.tsv:3:2: invalid UTF-8 (byte column)"), m)
        let jsonl = try TaskFixtures.write(
            Array("{\"text\": \"".utf8) + [0xFF] + Array("\", \"label\": 1}\n".utf8), name: "bad.jsonl")
        let j = message {
            try TaskDataset.load(jsonl, options: TaskDataOptions(), tokenizer: TaskFixtures.tokenizer, labelNames: nil)
        }
        XCTAssertTrue(j.hasSuffix("bad.jsonl:1:11: invalid UTF-8 (byte column)"), j)
    }

    func testMalformedJSONLine() {
        let m = message {
            try TaskFixtures.load("{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\",}\n", name: "s.jsonl")
        }
        XCTAssertTrue(m.contains("s.jsonl:2:"), m)
    }

    func testNumLabelsMismatch() {
        let m = message {
            try TaskFixtures.load("sentence\tlabel\na\tx\nb\ty\nc\tz\n", options: TaskDataOptions(numLabels: 2))
        }
        XCTAssertTrue(m.hasSuffix("task.tsv: --num-labels is 2 but the labels are 3: x, y, z"), m)
    }

    func testRegressionLabelMustBeANumber() {
        let m = message {
            try TaskFixtures.load("sentence\tlabel\na\t0.5\nb\thigh\n", options: TaskDataOptions(kind: .regression))
        }
        XCTAssertTrue(m.hasSuffix("task.tsv:3:2: regression label 'high' is not a finite number"), m)
    }
}

final class TaskDataOptionErrorTests: XCTestCase {
    func testBudgetAndLabelCountAreChecked() {
        let short = TaskFixtures.error {
            try TaskFixtures.load("sentence\tlabel\na\t1\n", options: TaskDataOptions(maxLength: 2))
        }
        XCTAssertTrue(short?.description.hasSuffix("task.tsv: max length 2 leaves no room for [CLS] A [SEP]") ?? false)
        let one = TaskFixtures.error {
            try TaskFixtures.load("sentence\tlabel\na\t1\n", options: TaskDataOptions(numLabels: 1))
        }
        XCTAssertTrue(one?.description.hasSuffix("--num-labels must be at least 2 for classification, got 1") ?? false)
    }
}

final class TSVLayoutTests: XCTestCase {
    func testBlankLineIsNamed() {
        let e = TaskFixtures.error { try TaskFixtures.load("sentence\tlabel\na\t1\n\nb\t0\n") }
        XCTAssertTrue(e?.description.hasSuffix("task.tsv:3: blank line (a row needs 2 tab-separated fields)") ?? false)
    }

    func testQuotesAreTextAsInGLUE() throws {
        // QUOTE_NONE: a quoted field with a tab inside is two fields, and the quotes are tokens.
        let d = try TaskFixtures.load("sentence\tlabel\n\"hello\"\t1\n")
        XCTAssertEqual(d.examples[0].inputIDs, [101, 1000, 7592, 1000, 102])
        let e = TaskFixtures.error { try TaskFixtures.load("sentence\tlabel\n\"a\tb\"\t1\n") }
        XCTAssertEqual(e?.line, 2)
    }
}
