import XCTest
import Batches
@testable import Training

/// The decoders inside the training loop: loss falls, and resuming reproduces an
/// uninterrupted run exactly (BPDec's random choices are keyed by step like dropout).
final class DecoderTrainingTests: XCTestCase {
    func tempRun() -> String { temporaryPath("drbert-decoder") }

    static let config = ModelConfig.trainerTest

    func options(_ kind: DecoderOptions.Kind, steps: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.steps = steps; o.batchSize = 4; o.maxLength = 16; o.maxPredictions = 4
        o.learningRate = 5e-3; o.warmupSteps = 2; o.seed = 3
        var d = DecoderOptions(kind: kind)
        d.decoderPositions = true; d.outputMix = 0.3
        o.decoder = d
        return o
    }

    func trainer(_ o: TrainingOptions, run: String, resume: Bool = false) throws -> Trainer {
        try Trainer(options: o, run: run, config: Self.config, resume: resume) { state in
            SyntheticBatchSource(
                vocabularySize: 40, batchSize: 4, length: 16, maxPredictions: 4, seed: 5, learnable: true,
                resumeState: state)
        }
    }

    func testResumeIsExactWithEveryDecoder() throws {
        for kind in [DecoderOptions.Kind.emd, .bpdec] {
            let straight = try trainer(options(kind, steps: 5), run: tempRun())
            _ = try straight.train()
            let run = tempRun()
            var o = options(kind, steps: 5)
            o.stopAfter = 2
            _ = try trainer(o, run: run).train()
            o.stopAfter = nil
            let resumed = try trainer(o, run: run, resume: true)
            XCTAssertEqual(resumed.model.decoderOptions, straight.model.decoderOptions)
            _ = try resumed.train()
            XCTAssertEqual(resumed.history.map(\.loss), Array(straight.history.map(\.loss).suffix(3)), "\(kind)")
        }
    }

    func testLossFallsWithEveryDecoder() throws {
        for kind in [DecoderOptions.Kind.emd, .bpdec] {
            let t = try trainer(options(kind, steps: 60), run: tempRun())
            _ = try t.train()
            let h = t.history.map(\.loss)
            let first = h.prefix(5).reduce(0, +) / 5, last = h.suffix(10).reduce(0, +) / 10
            XCTAssertLessThan(last, first - 0.5, "\(kind): loss \(first) → \(last)")
        }
    }
}
