import XCTest
@testable import Finetuning
@testable import Training

/// One SiFT step against the PyTorch twin, which the reference script checked against
/// DeBERTa's own `DeBERTa/sift/sift.py`: task loss, adversarial loss and every parameter
/// gradient of task + λ·adversarial, from the same δ₀.
final class SiFTParityTests: XCTestCase {
    func testSiFTStepMatchesReference() throws {
        let f = try ClassifierFixture("finetune_sift")
        let s = try JSONSerialization.jsonObject(with: Data(f.file.metadata["sift"]!.utf8)) as! [String: Double]
        let options = SiFTOptions(
            initialPerturbation: Float(s["init_perturbation"]!), stepSize: Float(s["step_size"]!),
            lambda: Float(s["lambda"]!))
        let c = try f.classifier(slots: 2)
        let l = try c.accumulateSiFT(f.batch, options: options, noise: try f.floats("sift/delta0")) { _ in nil }
        XCTAssertTrue(l.updated)
        let task = Double(try f.floats("loss")[0]), adversarial = Double(try f.floats("sift/adversarial")[0])
        XCTAssertEqual(l.task, task, accuracy: 1e-4 * task)
        XCTAssertEqual(l.adversarial, adversarial, accuracy: 1e-4 * adversarial)
        let worst = try worstGradientError(c, f)
        XCTAssertLessThan(worst.1, 1e-4, "worst gradient: \(worst.0)")
    }

    /// The adversarial term changes the gradients: without it (λ → plain step) they differ
    /// from the fixture's, so the test above cannot pass with SiFT doing nothing.
    func testPlainStepDiffersFromSiFTGradients() throws {
        let f = try ClassifierFixture("finetune_sift")
        let c = try f.classifier()
        _ = try c.accumulate(f.batch, dropout: nil)
        let e = relativeError(
            Array(c.network.gradients("classifier.weight")), try f.floats("grad/classifier.weight"))
        XCTAssertGreaterThan(e, 1e-2)
    }
}
