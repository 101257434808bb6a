import XCTest
@testable import Finetuning
@testable import Training

/// The classifier head (pooler, classifier, CE / MSE) and its backward through the encoder
/// against the PyTorch twin, which the reference script checked against
/// `transformers.BertForSequenceClassification`: logits, loss and every gradient ≤ 1e-4.
final class ClassifierParityTests: XCTestCase {
    func check(_ name: String) throws {
        let f = try ClassifierFixture(name)
        let c = try f.classifier()
        let logits = try c.predict(f.batch)
        XCTAssertLessThan(relativeError(logits, try f.floats("logits")), 1e-4, "logits")
        let loss = try c.accumulate(f.batch, dropout: nil)
        let expected = Double(try f.floats("loss")[0])
        XCTAssertEqual(loss, expected, accuracy: 1e-4 * abs(expected), "loss")
        let worst = try worstGradientError(c, f)
        XCTAssertLessThan(worst.1, 1e-4, "worst gradient: \(worst.0)")
        XCTAssertEqual(c.network.tensors.count, f.file.entries.keys.filter { $0.hasPrefix("grad/") }.count)
    }

    func testClassificationMatchesTransformers() throws { try check("finetune_classification") }

    func testRegressionMatchesTransformers() throws { try check("finetune_regression") }
}
