import Foundation
import XCTest

@testable import Finetuning

/// The metrics against scikit-learn / SciPy (fixture from Scripts/reference/finetune_data_fixtures.py).
final class TaskMetricsTests: XCTestCase {
    func testAgainstScikitLearnAndSciPy() throws {
        let text = try String(contentsOf: TaskFixtures.fixture("metrics.jsonl"), encoding: .utf8)
        var checked = 0
        for line in text.split(separator: "\n") {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let expected = o["expected"] as! [String: Any]
            let got: [String: Double]
            if o["kind"] as! String == "classification" {
                got = TaskMetrics.classification(
                    predictions: o["predictions"] as! [Int], labels: o["labels"] as! [Int],
                    numLabels: o["num_labels"] as! Int)
            } else {
                got = TaskMetrics.regression(
                    predictions: (o["predictions"] as! [Double]).map(Float.init),
                    labels: (o["labels"] as! [Double]).map(Float.init))
            }
            XCTAssertEqual(Set(got.keys), Set(expected.keys), String(line))
            for (key, value) in expected {
                let g = got[key] ?? -99
                if let v = value as? Double {
                    XCTAssertEqual(g, v, accuracy: 1e-6, "\(key): \(line)")
                } else {
                    XCTAssertTrue(g.isNaN, "\(key) should be NaN: \(line)")  // SciPy: constant input
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 40)
    }

    func testConstantPredictionsGiveZeroMCC() {
        let m = TaskMetrics.classification(predictions: [1, 1, 1], labels: [0, 1, 1], numLabels: 2)
        XCTAssertEqual(m["matthews_correlation"], 0)
        XCTAssertEqual(m["accuracy"]!, 2.0 / 3, accuracy: 1e-12)
    }

    func testAverageRanksOfTies() {
        XCTAssertEqual(TaskMetrics.averageRanks([10, 20, 20, 5, 20]), [2, 4, 4, 1, 4])
    }
}
