import Foundation
import XCTest

/// One convention for every job's closing summary: a sentence by default, one JSON object on
/// stdout with `--json` (the last line, after any data lines such as `--print-ids`).
final class SummaryConventionTests: XCTestCase {
    private func json(_ line: Substring) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    }

    func testTrainAndStreamPrintOneJSONSummaryWithJSON() throws {
        let dir = try makeTemporaryDirectory("summary-convention")
        let train = try PrepProcess.run([
            "train", "--synthetic-vocab", "60", "--steps", "2", "--batch-size", "2", "--max-length", "8",
            "--model", "tiny", "--out", dir + "/run", "--json",
        ])
        XCTAssertEqual(train.status, 0, train.err)
        let t = try json(train.out.split(separator: "\n").last!)
        XCTAssertEqual(t["outcome"] as? String, "finished")
        XCTAssertEqual(t["step"] as? Int, 2)
        XCTAssertEqual(t["run"] as? String, dir + "/run")
        XCTAssertNotNil(t["loss"] as? Double)

        let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path
        let corpus = PrepProcess.root.appendingPathComponent("Corpora/en/kjv-sample.txt").path
        XCTAssertEqual(
            try PrepProcess.run(["tokenize", "--vocab", vocab, "--input", corpus, "--output", dir + "/docs"]).status, 0)
        XCTAssertEqual(
            try PrepProcess.run(["mask", "--input", dir + "/docs", "--output", dir + "/inst", "--max-seq-length", "64"])
                .status, 0)
        let stream = try PrepProcess.run([
            "stream", dir + "/inst", "--batch-size", "4", "--stop-after-batches", "3", "--print-ids", "--json",
        ])
        XCTAssertEqual(stream.status, 0, stream.err)
        let lines = stream.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, "3 id lines, then the summary")
        let s = try json(lines.last!)
        XCTAssertEqual(s["batches"] as? Int, 3)
        XCTAssertEqual(s["samples"] as? Int, 12)
        XCTAssertEqual(s["epoch_complete"] as? Bool, false)
    }
}
