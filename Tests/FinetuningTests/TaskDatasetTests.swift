import Foundation
import Tokenization
import XCTest

@testable import Finetuning

final class TaskDatasetTests: XCTestCase {
    func testTSVPairsByGLUENamesGiveSegmentsAndSortedLabels() throws {
        let d = try TaskFixtures.load(
            "index\tsentence1\tsentence2\tlabel\n0\tHello world\tGood bye\tyes\n1\tA\tB\tno\n")
        XCTAssertEqual(d.labelNames, ["no", "yes"])
        XCTAssertEqual(d.examples.map(\.label), [1, 0])
        XCTAssertEqual(d.examples.map(\.line), [2, 3])
        // [CLS] hello world [SEP] good bye [SEP] in bert-base-uncased.
        XCTAssertEqual(d.examples[0].inputIDs, [101, 7592, 2088, 102, 2204, 9061, 102])
        XCTAssertEqual(d.examples[0].tokenTypeIDs, [0, 0, 0, 0, 1, 1, 1])
    }

    func testJSONLWithNumericLabelsSortsNumerically() throws {
        let text = "{\"text\": \"a\", \"label\": 10}\n{\"label\": \"2\", \"text\": \"b\", \"text_pair\": \"c\"}\n"
        let d = try TaskFixtures.load(text, name: "t.jsonl")
        XCTAssertEqual(d.labelNames, ["2", "10"])
        XCTAssertEqual(d.examples.map(\.label), [1, 0])
        XCTAssertEqual(d.examples[1].tokenTypeIDs, [0, 0, 0, 1, 1])
    }

    func testRaggedRowNamesFileAndLine() throws {
        let e = TaskFixtures.error { try TaskFixtures.load("sentence\tlabel\na\t1\nb\n") }
        XCTAssertEqual(e?.line, 3)
        XCTAssertTrue(
            e?.description.contains("task.tsv:3: ragged row: 1 tab-separated fields, the header has 2") ?? false)
    }
}
