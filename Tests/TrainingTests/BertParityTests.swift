import XCTest
import Batches
@testable import Training

/// Our encoder + MLM head against the PyTorch twin: loss, masked logits, every gradient,
/// and three AdamW steps with clipping and the warmup/decay schedule.
final class BertParityTests: XCTestCase {
    let tolerance = 1e-4

    func testForwardMatchesPyTorch() throws {
        let f = try ParityFixture()
        let m = try f.model()
        let out = try m.forward(f.batch)
        let ref = try f.file.floats("loss")[0]
        XCTAssertEqual(out.predictions, 7)
        XCTAssertLessThan(abs(out.loss - Double(ref)) / Double(abs(ref)), tolerance, "loss \(out.loss) vs \(ref)")
        let logits = try m.maskedLogits(f.batch)
        XCTAssertLessThan(relativeError(logits, try f.file.floats("masked_logits")), tolerance)
    }

    func testEveryGradientMatchesPyTorch() throws {
        let f = try ParityFixture()
        let m = try f.model()
        m.parameters.zeroGradients()
        try m.forward(f.batch)
        m.backward()
        XCTAssertEqual(m.parameters.layout.tensors.count, f.file.entries.keys.filter { $0.hasPrefix("grad/") }.count)
        // Scale floor: 1e-2 of the largest gradient anywhere (see `relativeError`); it only matters
        // for the key biases, whose exact gradient is 0 and whose float noise is ~1e-7.
        var largest = 0.0
        for t in m.parameters.layout.tensors {
            largest = max(largest, Double(try f.file.floats("grad/" + t.name).map { abs($0) }.max() ?? 0))
        }
        for t in m.parameters.layout.tensors {
            let err = relativeError(
                m.parameters.gradient(t), try f.file.floats("grad/" + t.name), floor: 1e-2 * largest)
            XCTAssertLessThan(err, tolerance, "gradient of \(t.name)")
        }
    }

    func testThreeAdamWStepsMatchPyTorch() throws {
        let f = try ParityFixture()
        let m = try f.model()
        let o = f.optimizer
        let adam = AdamW(layout: m.parameters.layout, weightDecay: Float(o["weight_decay"]!))
        adam.epsilon = Float(o["eps"]!)
        let schedule = LearningRateSchedule(
            peak: Float(o["lr"]!), warmupSteps: Int(o["warmup"]!), totalSteps: Int(o["total"]!))
        let refLosses = try f.file.floats("adamw_losses"), refNorms = try f.file.floats("adamw_grad_norms")
        for step in 1...3 {
            m.parameters.zeroGradients()
            let out = try m.forward(f.batch)
            m.backward()
            // The trainer's fused path: the clip coefficient applied inside the update.
            let norm = adam.clipAndUpdate(m.parameters, lr: schedule.rate(at: step), maxGradNorm: Float(o["clip"]!))
            XCTAssertLessThan(
                abs(out.loss - Double(refLosses[step - 1])) / Double(refLosses[step - 1]), tolerance,
                "loss at step \(step)")
            XCTAssertLessThan(
                abs(norm - Double(refNorms[step - 1])) / Double(refNorms[step - 1]), tolerance,
                "grad norm at step \(step)")
            // The key bias is skipped here: its true gradient is 0, so Adam's m/√v turns float
            // noise into lr-sized steps on both sides; its gradient is checked above.
            for t in m.parameters.layout.tensors where !t.name.hasSuffix("key.bias") {
                let err = relativeError(m.parameters.value(t), try f.file.floats("step\(step)/" + t.name))
                XCTAssertLessThan(err, tolerance, "\(t.name) after step \(step)")
            }
        }
    }

    func testFixtureNamesItsGenerator() throws {
        let f = try ParityFixture()
        XCTAssertEqual(f.file.metadata["generator"], "Scripts/reference/bert_reference.py")
        XCTAssertNotNil(f.file.metadata["torch"])
    }
}
