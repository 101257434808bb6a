import XCTest
import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif
@testable import Training

final class RunComparisonTests: XCTestCase {
    func metrics(_ losses: [Double], evalAt: [Int: Double] = [:]) -> [StepMetrics] {
        losses.enumerated().map { i, l in
            var m = StepMetrics(
                step: i + 1, loss: l, mlm_accuracy: 0.1 * Double(i), lr: 1e-3, grad_norm: 1,
                tokens_per_s: 1000 + Double(i), gflops: 1, ms_per_step: 100)
            m.eval_loss = evalAt[i + 1]; m.eval_accuracy = evalAt[i + 1].map { _ in 0.5 }
            return m
        }
    }

    func testSummaryUsesTheLastTenthAndTheLastEval() {
        let m = metrics((0..<20).map { 10 - Double($0) * 0.5 }, evalAt: [10: 4.0, 20: 3.0])
        let s = RunComparison.summarize(run: "/x/run-a", metrics: m, state: nil)
        XCTAssertEqual(s.label, "run-a")
        XCTAssertEqual(s.steps, 20)
        XCTAssertEqual(s.trainLoss, (1.0 + 0.5) / 2, accuracy: 1e-12)  // steps 19 and 20
        XCTAssertEqual(s.evalLoss, 3.0)
        XCTAssertEqual(s.trainSeconds, 2.0, accuracy: 1e-12)
        XCTAssertTrue(RunComparison.table([s]).contains("| run-a | ? | ? | ? | 20 | 3.0000 | 0.5000 | 0.7500 |"))
    }

    func testMetricsKeepTheNewestLinePerStepAndRejectGarbage() throws {
        let dir = temporaryPath("drbert-compare")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let e = JSONEncoder()
        let m = metrics([5, 4, 3])
        var lines = try m.map { String(decoding: try e.encode($0), as: UTF8.self) }
        var again = m[1]; again.loss = 9
        lines.append(String(decoding: try e.encode(again), as: UTF8.self))
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: dir + "/metrics.jsonl", atomically: true, encoding: .utf8)
        XCTAssertEqual(try RunComparison.metrics(run: dir).map(\.loss), [5, 9, 3])
        try "{not json\n".write(toFile: dir + "/metrics.jsonl", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunComparison.metrics(run: dir)) { XCTAssertTrue("\($0)".contains("line 1"), "\($0)") }
    }

    func testSVGIsWellFormedWithOneCurvePerRun() throws {
        let svg = RunComparison.svg([("mlm", metrics([6, 5, 4], evalAt: [3: 4.5])), ("a<b", metrics([6, 5.5, 5]))])
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse())
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2)
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 1)
        XCTAssertTrue(svg.contains("a&lt;b"))
    }
}
