import Batches
import XCTest

@testable import Training

/// Data parallelism without MPI: the shares of a global batch, each run with its offsets in
/// the global batch (dropout, BPDec draws) and the global prediction count, add up to the
/// gradients and loss of the whole batch in one pass — what the ranks' allreduce sums.
final class DataParallelTests: XCTestCase {
    private func config() -> ModelConfig {
        var c = ModelConfig(
            vocabSize: 50, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32)
        c.maxPositionEmbeddings = 32
        c.hiddenDropoutProb = 0.2; c.attentionProbsDropoutProb = 0.2
        return c
    }

    private func check(decoder kind: DecoderOptions.Kind, ranks: Int) throws {
        let c = config(), rows = 6, t = 10
        let model = try MaskedLanguageModel(
            config: c, capacity: BatchCapacity(batchSize: rows, sequenceLength: t, maxPredictions: 3),
            decoder: DecoderOptions(kind: kind))
        model.initializeWeights(seed: 5)
        let batch = try SyntheticBatchSource(vocabularySize: 50, batchSize: rows, length: t, maxPredictions: 3, seed: 2)
            .next()
        let plan = DropoutPlan(hidden: 0.2, attention: 0.2, seed: 4, step: 3, micro: 0)
        model.parameters.zeroGradients()
        let whole = try model.forward(batch, dropout: plan)
        model.backward()
        let expected = Array(UnsafeBufferPointer(start: model.parameters.gradients, count: model.parameters.count))

        model.parameters.zeroGradients()
        let share = rows / ranks
        let shares = (0..<ranks).map { batch.rows($0 * share..<($0 + 1) * share) }
        let counts = shares.map { Trainer.predictions(in: $0) }
        var lossSum = 0.0
        for r in 0..<ranks {
            var p = plan
            p.shard = .init(
                firstRow: r * share, firstPrediction: counts[..<r].reduce(0, +), hiddenPerRow: t * c.hiddenSize,
                attentionPerRow: c.numAttentionHeads * t * t)
            lossSum += try model.forward(shares[r], dropout: p, predictions: whole.predictions).lossSum
            model.backward()
        }
        XCTAssertEqual(lossSum, whole.lossSum, accuracy: 1e-5 * whole.lossSum, "\(kind)")
        var worst: Float = 0, scale: Float = 0
        for i in 0..<expected.count {
            worst = max(worst, abs(expected[i] - model.parameters.gradients[i]))
            scale = max(scale, abs(expected[i]))
        }
        XCTAssertGreaterThan(scale, 0)
        XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "\(kind), \(ranks) shares")
    }

    func testSharesAddUpToTheWholeBatchForEveryDecoder() throws {
        for kind in [DecoderOptions.Kind.mlm, .emd, .bpdec] {
            try check(decoder: kind, ranks: 2)
            try check(decoder: kind, ranks: 3)
        }
    }

    /// Without the offsets the shares draw other masks: the test above would then fail.
    func testOffsetKeyEqualsShiftedElementIndex() {
        let base = DropoutPlan(hidden: 0.5, attention: 0.5, seed: 1, step: 2, micro: 0)
        var shifted = base
        shifted.shard = .init(firstRow: 3, firstPrediction: 0, hiddenPerRow: 40, attentionPerRow: 2 * 25)
        let t = Dropout.threshold(0.5)
        for site in [0, 1, 2, 3, 4] {
            let e = shifted.elementOffset(site: site)
            XCTAssertEqual(e, site == 1 || site == 4 ? 150 : 120)
            for i in 0..<64 {
                XCTAssertEqual(
                    Dropout.keeps(shifted.key(site: site), i, threshold: t),
                    Dropout.keeps(base.key(site: site), e + i, threshold: t), "site \(site) element \(i)")
            }
        }
    }

    func testGlobalBatchShapeFromTheShares() {
        let s = GlobalBatchShape(shares: [[2, 5, 9], [2, 3, 12], [1, 2, 7]], rank: 2)
        XCTAssertEqual([s.firstRow, s.rows, s.firstPrediction, s.predictions, s.length], [4, 5, 8, 10, 12])
    }

    func testPaddingKeepsRowsAndMasks() {
        var b = Batch(size: 2, sequenceLength: 2, maxPredictions: 1)
        b.inputIDs = [5, 6, 7, 8]; b.attentionMask = [1, 1, 1, 0]
        let p = b.padded(toLength: 4)
        XCTAssertEqual(p.inputIDs, [5, 6, 0, 0, 7, 8, 0, 0])
        XCTAssertEqual(p.attentionMask, [1, 1, 0, 0, 1, 0, 0, 0])
        XCTAssertEqual(p.maskedLabels, b.maskedLabels)
    }

    func testABatchThatDoesNotSplitIsRefused() {
        XCTAssertEqual(try Trainer.rowsPerRank(batchSize: 12, worldSize: 3), 4)
        XCTAssertThrowsError(try Trainer.rowsPerRank(batchSize: 10, worldSize: 3))
    }
}
