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

final class TaskLabelTests: XCTestCase {
    func testFixedLabelSetFromTrainMapsDev() throws {
        let d = try TaskFixtures.load("sentence\tlabel\na\tpos\n", labelNames: ["neg", "pos"])
        XCTAssertEqual(d.labelNames, ["neg", "pos"])
        XCTAssertEqual(d.examples[0].label, 1)
    }

    func testIntegerLabelsWithNumLabelsKeepTheirIndices() throws {
        // Class 1 is absent from the file, yet "2" stays class 2 (not the second of {0, 2}).
        let d = try TaskFixtures.load("sentence\tlabel\na\t2\nb\t0\n", options: TaskDataOptions(numLabels: 3))
        XCTAssertEqual(d.labelNames, ["0", "1", "2"])
        XCTAssertEqual(d.examples.map(\.label), [2, 0])
        // Without --num-labels the classes are those present, sorted: {0, 2}.
        let inferred = try TaskFixtures.load("sentence\tlabel\na\t2\nb\t0\n")
        XCTAssertEqual(inferred.labelNames, ["0", "2"])
        XCTAssertEqual(inferred.examples.map(\.label), [1, 0])
    }

    func testStringLabelsSortBytewise() throws {
        let d = try TaskFixtures.load("sentence\tlabel\na\tneutral\nb\tcontradiction\nc\tentailment\nd\tNone\n")
        XCTAssertEqual(d.labelNames, ["None", "contradiction", "entailment", "neutral"])
    }

    func testRegressionColumnsByIndexAndCRLF() throws {
        let d = try TaskFixtures.load(
            "id\ta\tb\tscore\r\n0\tHello\tworld\t3.25\r\n1\tx\ty\t-1\r\n",
            options: TaskDataOptions(kind: .regression, textColumn: "1", pairColumn: "2", labelColumn: "3"))
        XCTAssertEqual(d.kind, .regression)
        XCTAssertEqual(d.labelNames, [])
        XCTAssertEqual(d.examples.map(\.label), [3.25, -1])
        XCTAssertEqual(d.examples[0].inputIDs, [101, 7592, 102, 2088, 102])
    }

    func testUnlabelledPredictionInput() throws {
        let d = try TaskFixtures.load(
            "sentence\nHello\n", options: TaskDataOptions(requireLabels: false), labelNames: ["0", "1"])
        XCTAssertTrue(d.examples[0].label.isNaN)
    }

    func testBundledTaskLoads() throws {
        let dir = TaskFixtures.packageRoot.appendingPathComponent("Corpora/tasks/coherence")
        let train = try TaskDataset.load(
            dir.appendingPathComponent("train.tsv"), options: TaskDataOptions(numLabels: 2),
            tokenizer: TaskFixtures.tokenizer, labelNames: nil)
        let dev = try TaskDataset.load(
            dir.appendingPathComponent("dev.tsv"), options: TaskDataOptions(numLabels: 2),
            tokenizer: TaskFixtures.tokenizer, labelNames: train.labelNames)
        XCTAssertEqual(train.labelNames, ["0", "1"])
        XCTAssertEqual(train.examples.count, 2986)
        XCTAssertEqual(dev.examples.count, 664)
        XCTAssertEqual(dev.examples.filter { $0.label == 1 }.count, 334)
        XCTAssertTrue(train.examples.allSatisfy { $0.inputIDs.count <= 128 && $0.tokenTypeIDs.last == 1 })
    }

    /// The single-sentence task: no pair column, so every token is of type 0.
    func testBundledBookTaskLoads() throws {
        let dir = TaskFixtures.packageRoot.appendingPathComponent("Corpora/tasks/kjv-book")
        let options = TaskDataOptions(numLabels: 2, textColumn: "sentence", labelColumn: "label")
        let train = try TaskDataset.load(
            dir.appendingPathComponent("train.tsv"), options: options, tokenizer: TaskFixtures.tokenizer,
            labelNames: nil)
        let dev = try TaskDataset.load(
            dir.appendingPathComponent("dev.tsv"), options: options, tokenizer: TaskFixtures.tokenizer,
            labelNames: train.labelNames)
        XCTAssertEqual(train.labelNames, ["0", "1"])
        XCTAssertEqual(train.examples.count, 1889)
        XCTAssertEqual(dev.examples.count, 522)
        XCTAssertEqual(dev.examples.filter { $0.label == 1 }.count, 236)
        XCTAssertTrue(train.examples.allSatisfy { $0.inputIDs.first == 101 && $0.tokenTypeIDs.allSatisfy { $0 == 0 } })
    }
}
