import XCTest
@testable import Finetuning
@testable import Training

/// The fine-tuning loop on a small synthetic task that is separable: label 1 when token 7
/// occurs in the sentence. A randomly initialised tiny encoder must learn it well beyond the
/// majority class, with and without SiFT; the same seed gives the same run.
final class FineTunerTests: XCTestCase {
    static var config: ModelConfig {
        var c = try! JSONDecoder().decode(
            ModelConfig.self,
            from: Data(
                #"{"vocab_size": 24, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 16, "initializer_range": 0.2}"#
                    .utf8))
        c.hiddenDropoutProb = 0.05; c.attentionProbsDropoutProb = 0.05
        return c
    }

    /// `count` examples [CLS] w… [SEP]; 40% contain token 7 (label 1), so the majority class
    /// (0) scores 0.6.
    static func task(count: Int, seed: UInt64) -> TaskDataset {
        var rng = SplitMix64(seed: seed)
        let examples = (0..<count).map { i -> EncodedExample in
            let n = 3 + Int(rng.next() % 5)
            var words = (0..<n).map { _ in Int32(8 + rng.next() % 16) }
            let positive = i % 5 < 2
            if positive { words[Int(rng.next() % UInt64(n))] = 7 }
            let ids = [2] + words + [3]
            return EncodedExample(
                inputIDs: ids, tokenTypeIDs: .init(repeating: 0, count: ids.count), label: positive ? 1 : 0,
                line: i + 2)
        }
        return TaskDataset(examples: examples, labelNames: ["0", "1"], kind: .classification)
    }

    func tune(sift: SiFTOptions?, seed: UInt64 = 5, epochs: Int = 12) throws -> [EpochMetrics] {
        let c = try SequenceClassifier(
            config: Self.config, kind: .classification, labels: 2, maxBatch: 16, maxLength: 16,
            slots: sift == nil ? 1 : 2)
        c.network.initialize(seed: seed)
        let options = FineTuneOptions(
            epochs: epochs, batchSize: 16, learningRate: 3e-3, warmupRatio: 0.1, seed: seed, sift: sift)
        let tuner = FineTuner(
            classifier: c, train: Self.task(count: 160, seed: 1), dev: Self.task(count: 60, seed: 2), options: options,
            pad: 0)
        return try tuner.run { _ in }
    }

    func testLearnsASeparableTaskBeyondTheMajorityClass() throws {
        let history = try tune(sift: nil)
        XCTAssertEqual(history.count, 12)
        XCTAssertEqual(history.last!.step, 12 * 10)
        XCTAssertLessThan(history.last!.trainLoss, history.first!.trainLoss)
        XCTAssertGreaterThan(history.last!.dev["accuracy"]!, 0.85, "majority class: 0.6")
    }

    func testLearnsWithSiFT() throws {
        let history = try tune(sift: SiFTOptions())
        XCTAssertGreaterThan(history.last!.adversarialLoss!, 0)
        XCTAssertGreaterThan(history.last!.dev["accuracy"]!, 0.85, "majority class: 0.6")
    }

    func testSameSeedSameRun() throws {
        let a = try tune(sift: nil, seed: 9, epochs: 2), b = try tune(sift: nil, seed: 9, epochs: 2)
        XCTAssertEqual(a.map(\.trainLoss), b.map(\.trainLoss))
        XCTAssertEqual(a.map(\.dev), b.map(\.dev))
    }

    func testScheduleWarmsUpThenDecaysToZero() {
        let o = FineTuneOptions(epochs: 1, batchSize: 1, learningRate: 1, warmupRatio: 0.25)
        XCTAssertEqual(o.rate(update: 1, total: 8), 0.5)
        XCTAssertEqual(o.rate(update: 2, total: 8), 1)
        XCTAssertEqual(o.rate(update: 5, total: 8), 0.5)
        XCTAssertEqual(o.rate(update: 8, total: 8), 0)
    }
}
