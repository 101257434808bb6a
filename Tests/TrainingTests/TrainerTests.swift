import XCTest
import Batches
@testable import Training

final class TrainerTests: XCTestCase {
    func tempRun() -> String { temporaryPath("drbert-train") }

    static let config = ModelConfig.trainerTest

    func options(steps: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.steps = steps; o.batchSize = 4; o.maxLength = 16; o.maxPredictions = 4
        o.learningRate = 2e-3; o.warmupSteps = 2; o.seed = 11; o.gradientAccumulation = 2
        return o
    }

    func makeTrainer(_ o: TrainingOptions, run: String, resume: Bool = false, learnable: Bool = true) throws -> Trainer
    {
        try Trainer(options: o, run: run, config: Self.config, resume: resume) { state in
            SyntheticBatchSource(
                vocabularySize: 40, batchSize: 4, length: 16, maxPredictions: 4, seed: 5, learnable: learnable,
                resumeState: state)
        }
    }

    func testLossFallsOnSyntheticTask() throws {
        var o = options(steps: 80)
        o.gradientAccumulation = 1; o.learningRate = 5e-3
        let t = try makeTrainer(o, run: tempRun(), learnable: true)
        XCTAssertEqual(try t.train(), .finished)
        let h = t.history.map(\.loss)
        let first = h.prefix(5).reduce(0, +) / 5, last = h.suffix(10).reduce(0, +) / 10
        XCTAssertGreaterThan(first, 3.0)  // ≈ ln(35) at initialisation
        XCTAssertLessThan(last, first - 0.5, "loss \(first) → \(last)")
    }

    /// Stopping after step 3 and resuming gives bit-identical losses to an uninterrupted run
    /// (same data position, dropout masks, optimizer moments and schedule).
    func testResumeReproducesUninterruptedRun() throws {
        let straight = try makeTrainer(options(steps: 6), run: tempRun())
        _ = try straight.train()

        let run = tempRun()
        var o = options(steps: 6)
        o.stopAfter = 3
        let first = try makeTrainer(o, run: run)
        XCTAssertEqual(try first.train(), .stoppedAfter(3))
        o.stopAfter = nil
        let second = try makeTrainer(o, run: run, resume: true)
        XCTAssertEqual(second.step, 3)
        XCTAssertEqual(try second.train(), .finished)
        let resumed = (first.history + second.history).map(\.loss)
        XCTAssertEqual(resumed, straight.history.map(\.loss))
        let lines = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        XCTAssertNotNil(Checkpoint.latest(run: run))
    }

    func testNonFiniteLossStopsAndKeepsLastCheckpoint() throws {
        let run = tempRun()
        var o = options(steps: 4)
        o.stopAfter = 2
        let t = try makeTrainer(o, run: run)
        _ = try t.train()
        let good = Checkpoint.latest(run: run)
        XCTAssertNotNil(good)
        o.stopAfter = nil
        let resumed = try makeTrainer(o, run: run, resume: true)
        resumed.model.parameters.values[0] = .nan  // poison the word embeddings
        resumed.model.parameters.values[resumed.model.encoder.embeddings.normWeight] = .nan
        XCTAssertThrowsError(try resumed.train()) { e in
            guard case TrainingError.nonFiniteLoss(let step, let last) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(step, 3)
            XCTAssertEqual(last, good)
        }
        XCTAssertEqual(Checkpoint.latest(run: run), good)
    }

    func testCheckpointRoundTripsWeightsAndMoments() throws {
        let run = tempRun()
        var o = options(steps: 2)
        o.stopAfter = 2
        let t = try makeTrainer(o, run: run)
        _ = try t.train()
        let path = try XCTUnwrap(Checkpoint.latest(run: run))
        let m = try MaskedLanguageModel(config: Self.config, capacity: t.model.capacity)
        let adam = AdamW(layout: m.parameters.layout, weightDecay: 0.01)
        try Checkpoint.load(path, into: m, optimizer: adam)
        XCTAssertEqual(adam.step, 2)
        for i in 0..<m.parameters.count {
            XCTAssertEqual(m.parameters.values[i], t.model.parameters.values[i])
            XCTAssertEqual(adam.secondMoment[i], t.optimizer.secondMoment[i])
        }
        let st = try Checkpoint.loadState(path)
        XCTAssertEqual(st.step, 2)
        XCTAssertEqual(String(decoding: st.sourceState, as: UTF8.self), "4")  // 2 steps × 2 micro-batches
    }

    /// With dropout on, the backward must use the forward's masks: a directional finite
    /// difference of the loss agrees with the analytic gradient.
    func testGradientWithDropoutMatchesFiniteDifference() throws {
        var c = Self.config
        c.hiddenDropoutProb = 0.2; c.attentionProbsDropoutProb = 0.2
        let m = try MaskedLanguageModel(
            config: c, capacity: BatchCapacity(batchSize: 4, sequenceLength: 16, maxPredictions: 4))
        m.initializeWeights(seed: 3)
        // Larger weights than BERT init so the loss is sensitive to every tensor.
        for i in 0..<m.parameters.count { m.parameters.values[i] *= 5 }
        let batch = try SyntheticBatchSource(vocabularySize: 40, batchSize: 4, length: 16, maxPredictions: 4, seed: 1)
            .next()
        let plan = DropoutPlan(hidden: 0.2, attention: 0.2, seed: 9, step: 1, micro: 0)
        m.parameters.zeroGradients()
        try m.forward(batch, dropout: plan)
        m.backward()
        var rng = SplitMix64(seed: 4)
        let n = m.parameters.count
        var direction = [Float](repeating: 0, count: n)
        var analytic = 0.0
        for i in 0..<n {
            direction[i] = Float(rng.nextGaussian())
            analytic += Double(direction[i]) * Double(m.parameters.gradients[i])
        }
        let eps: Float = 1e-3
        func loss(_ s: Float) throws -> Double {
            for i in 0..<n { m.parameters.values[i] += s * direction[i] }
            defer { for i in 0..<n { m.parameters.values[i] -= s * direction[i] } }
            return try m.forward(batch, dropout: plan).loss
        }
        let numeric = (try loss(eps) - loss(-eps)) / Double(2 * eps)
        XCTAssertEqual(numeric, analytic, accuracy: 0.02 * abs(analytic), "numeric \(numeric) vs analytic \(analytic)")
    }

    func testScheduleWarmsUpAndDecays() {
        let s = LearningRateSchedule(peak: 1, warmupSteps: 4, totalSteps: 12)
        XCTAssertEqual(s.rate(at: 1), 0.25)
        XCTAssertEqual(s.rate(at: 4), 1)
        XCTAssertEqual(s.rate(at: 8), 0.5)
        XCTAssertEqual(s.rate(at: 12), 0)
        let c = LearningRateSchedule(peak: 1, warmupSteps: 0, totalSteps: 10, decay: .cosine)
        XCTAssertEqual(c.rate(at: 5), 0.5, accuracy: 1e-6)
    }

    func testConfigPresetsAndJSON() throws {
        XCTAssertEqual(ModelSize.mini.config(vocabularySize: 100).hiddenSize, 256)
        XCTAssertEqual(ModelSource("mini"), .size(.mini))
        let path = temporaryPath("drbert-train", suffix: ".json")
        try Data(
            #"{"hidden_size": 64, "num_hidden_layers": 3, "num_attention_heads": 4, "intermediate_size": 128}"#.utf8
        )
        .write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(ModelSource(path), .file(path))
        let c = try ModelSource(path).config(vocabularySize: 77)
        XCTAssertEqual(c.numHiddenLayers, 3); XCTAssertEqual(c.vocabSize, 77);
        XCTAssertEqual(c.maxPositionEmbeddings, 512)
        XCTAssertThrowsError(try ModelSource("huge").config(vocabularySize: 10))
        var o = TrainingOptions(); o.model = .size(.tiny); o.attention = .disentangled
        XCTAssertTrue(try o.modelConfig(vocabularySize: 10).relativeAttention)
    }

    /// Options keep the JSON layout checkpoints have always had, and old ones still decode.
    func testOptionsJSONKeepsItsLayoutAndOldRunsDecode() throws {
        var o = TrainingOptions()
        o.model = .file("bert.json"); o.decoder = DecoderOptions(kind: .emd); o.decoder.emdPasses = 3;
        o.attention = .disentangled
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(o)) as! [String: Any]
        XCTAssertEqual(json["model"] as? String, "bert.json")
        XCTAssertEqual(json["decoder"] as? String, "emd")
        XCTAssertEqual((json["decoderOptions"] as? [String: Any])?["emd_passes"] as? Int, 3)
        XCTAssertEqual(json["attention"] as? String, "disentangled")
        XCTAssertEqual(try JSONDecoder().decode(TrainingOptions.self, from: JSONEncoder().encode(o)), o)
        let old = #"{"model": "mini", "decoder": "bpdec", "steps": 7, "dynamicMasking": "span"}"#
        let decoded = try JSONDecoder().decode(TrainingOptions.self, from: Data(old.utf8))
        XCTAssertEqual(decoded.model, .size(.mini)); XCTAssertEqual(decoded.decoder, DecoderOptions(kind: .bpdec))
        XCTAssertEqual(decoded.attention, .absolute); XCTAssertEqual(decoded.steps, 7)
    }
}
