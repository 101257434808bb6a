import Foundation

/// The settings of one fine-tuning run (`prep finetune`), recorded in its `finetune.json`.
public struct FineTuneOptions: Sendable, Codable, Equatable {
    public var epochs: Int
    public var batchSize: Int
    /// Peak learning rate of AdamW.
    public var learningRate: Float
    /// Share of all updates spent warming up linearly to the peak; then linear decay to 0.
    public var warmupRatio: Float = 0
    public var seed: UInt64 = 42
    /// AdamW's decoupled weight decay (not on biases and LayerNorm weights).
    public var weightDecay: Float = 0.01
    /// Global gradient-norm clip (HF Trainer's `max_grad_norm`); 0: none.
    public var maxGradNorm: Float = 1
    /// AdamW's ε (HF Trainer's `adam_epsilon`).
    public var adamEpsilon: Float = 1e-8
    /// SiFT settings, nil: plain fine-tuning.
    public var sift: SiFTOptions?

    public init(
        epochs: Int, batchSize: Int, learningRate: Float, warmupRatio: Float = 0, seed: UInt64 = 42,
        weightDecay: Float = 0.01, maxGradNorm: Float = 1, adamEpsilon: Float = 1e-8, sift: SiFTOptions? = nil
    ) {
        self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate
        self.warmupRatio = warmupRatio; self.seed = seed; self.weightDecay = weightDecay
        self.maxGradNorm = maxGradNorm; self.adamEpsilon = adamEpsilon; self.sift = sift
    }

    enum CodingKeys: String, CodingKey {
        case epochs, batchSize = "batch_size", learningRate = "lr", warmupRatio = "warmup_ratio", seed
        case weightDecay = "weight_decay", maxGradNorm = "max_grad_norm", adamEpsilon = "adam_epsilon", sift
    }

    /// Linear warmup over ⌈ratio · total⌉ updates, then linear decay to 0 (HF's
    /// `get_linear_schedule_with_warmup`), counting updates from 1 as `prep train` does, so
    /// the first update does not run at rate 0.
    func rate(update k: Int, total: Int) -> Float {
        let warmup = Int((Double(warmupRatio) * Double(total)).rounded(.up))
        if warmup > 0 && k <= warmup { return learningRate * Float(k) / Float(warmup) }
        let left = Double(total - k) / Double(max(1, total - warmup))
        return learningRate * Float(max(0, left))
    }
}

/// One line of `DIR/metrics.jsonl`: the state after an epoch and the dev metrics.
public struct EpochMetrics: Sendable, Codable, Equatable {
    public var epoch: Int
    public var step: Int
    /// Mean task loss over the epoch's batches.
    public var trainLoss: Double
    /// Mean SiFT adversarial loss (nil without SiFT).
    public var adversarialLoss: Double?
    public var devLoss: Double
    /// accuracy, macro_f1, matthews_correlation (classification) or pearson, spearman.
    public var dev: [String: Double]
    public var learningRate: Float
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case epoch, step, trainLoss = "train_loss", adversarialLoss = "adversarial_loss", devLoss = "dev_loss", dev
        case learningRate = "lr", seconds
    }
}
