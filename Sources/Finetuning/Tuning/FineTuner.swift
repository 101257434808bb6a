import Foundation
import Training

/// The fine-tuning loop: shuffled mini-batches each epoch (seeded), AdamW with linear
/// warmup and decay, optional SiFT, dev metrics after every epoch.
public final class FineTuner {
    public let classifier: SequenceClassifier
    let train: TaskDataset, dev: TaskDataset
    let options: FineTuneOptions
    let pad: UInt32
    public private(set) var step = 0

    public init(
        classifier: SequenceClassifier, train: TaskDataset, dev: TaskDataset, options: FineTuneOptions, pad: UInt32
    ) {
        self.classifier = classifier; self.train = train; self.dev = dev; self.options = options; self.pad = pad
    }

    public var updatesPerEpoch: Int { (train.examples.count + options.batchSize - 1) / options.batchSize }

    /// Runs every epoch; `epochDone` gets each epoch's metrics (to write them) before the next.
    public func run(epochDone: (EpochMetrics) throws -> Void) throws -> [EpochMetrics] {
        let total = updatesPerEpoch * options.epochs
        var rng = SplitMix64(seed: options.seed)
        var noise = PerturbationNoise(rng: SplitMix64(seed: options.seed ^ 0x5349_4654))
        var history: [EpochMetrics] = []
        let h = classifier.network.config.hiddenSize
        for epoch in 1...options.epochs {
            let start = Date()
            var order = Array(train.examples.indices)
            order.shuffle(using: &rng)
            var lossSum = 0.0, advSum = 0.0, batches = 0
            var lr: Float = 0
            for first in stride(from: 0, to: order.count, by: options.batchSize) {
                let rows = order[first..<min(first + options.batchSize, order.count)].map { train.examples[$0] }
                let batch = Self.batch(rows, pad: pad)
                step += 1
                let s = step, seed = options.seed
                if let sift = options.sift {
                    let delta = noise.draw(count: batch.size * batch.length * h, epsilon: sift.initialPerturbation)
                    let l = try classifier.accumulateSiFT(batch, options: sift, noise: delta) {
                        EncoderNetwork.Dropout(seed: seed, step: s, pass: $0)
                    }
                    lossSum += l.task; advSum += l.adversarial
                    guard l.total.isFinite else { throw TrainingError.nonFiniteLoss(step: s, lastCheckpoint: nil) }
                } else {
                    let l = try classifier.accumulate(
                        batch, dropout: EncoderNetwork.Dropout(seed: seed, step: s, pass: 0))
                    lossSum += l
                    guard l.isFinite else { throw TrainingError.nonFiniteLoss(step: s, lastCheckpoint: nil) }
                }
                batches += 1
                lr = options.rate(update: s, total: total)
                classifier.network.step(lr: lr, maxGradNorm: options.maxGradNorm, epsilon: options.adamEpsilon)
            }
            let (devLoss, metrics) = try evaluate(dev)
            let m = EpochMetrics(
                epoch: epoch, step: step, trainLoss: lossSum / Double(max(1, batches)),
                adversarialLoss: options.sift == nil ? nil : advSum / Double(max(1, batches)), devLoss: devLoss,
                dev: metrics, learningRate: lr, seconds: Date().timeIntervalSince(start))
            history.append(m)
            try epochDone(m)
        }
        return history
    }

    /// Dev loss and GLUE metrics of `data` (no dropout).
    public func evaluate(_ data: TaskDataset) throws -> (loss: Double, metrics: [String: Double]) {
        let logits = try Self.logits(classifier, data.examples, batchSize: options.batchSize, pad: pad)
        return Self.score(classifier, logits: logits, labels: data.examples.map(\.label))
    }

    /// Logits of every example, [N, K], in order.
    public static func logits(
        _ c: SequenceClassifier, _ examples: [EncodedExample], batchSize: Int, pad: UInt32
    ) throws -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(examples.count * c.labels)
        for first in stride(from: 0, to: examples.count, by: batchSize) {
            out += try c.predict(batch(Array(examples[first..<min(first + batchSize, examples.count)]), pad: pad))
        }
        return out
    }

    static func score(_ c: SequenceClassifier, logits: [Float], labels: [Float]) -> (Double, [String: Double]) {
        let n = labels.count, k = c.labels
        guard n > 0 else { return (0, [:]) }
        switch c.kind {
        case .classification:
            let y = labels.map { Int($0) }
            let predictions = (0..<n).map { r in (0..<k).max { logits[r * k + $0] < logits[r * k + $1] }! }
            return (
                TaskLoss.crossEntropy(logits: logits, labels: y, classes: k).loss,
                TaskMetrics.classification(predictions: predictions, labels: y, numLabels: k)
            )
        case .regression:
            return (
                TaskLoss.meanSquaredError(logits: logits, values: labels).loss,
                TaskMetrics.regression(predictions: logits, labels: labels)
            )
        }
    }

    static func batch(_ rows: [EncodedExample], pad: UInt32) -> ClassifierBatch {
        ClassifierBatch(rows: rows.map { ($0.inputIDs, $0.tokenTypeIDs, $0.label) }, pad: pad)
    }
}
