/// Settings of a training run (what `prep train` parses), stored in every checkpoint.
public struct TrainingOptions: Codable, Sendable, Equatable {
    public var model: String = "tiny"
    public var decoder: String = "mlm"
    /// Decoder settings (`--emd-passes`, `--decoder-layers`, …); nil: defaults for `decoder`.
    public var decoderOptions: DecoderOptions? = nil
    /// Encoder attention: nil or "absolute" (BERT), "disentangled" (DeBERTa; sets the config's relative_attention).
    public var attention: String? = nil
    public var steps: Int = 1000
    public var batchSize: Int = 32
    public var learningRate: Float = 1e-4
    public var warmupSteps: Int = 0
    public var decay: LearningRateSchedule.Decay = .linear
    public var weightDecay: Float = 0.01
    public var maxGradNorm: Float = 1.0
    public var gradientAccumulation: Int = 1
    public var seed: UInt64 = 0
    /// Largest sequence length and masked slots a batch may have (buffers are sized for them).
    public var maxLength: Int = 128
    public var maxPredictions: Int = 20
    public var saveEvery: Int = 0
    public var evalEvery: Int = 0
    public var stopAfter: Int? = nil
    public var threads: Int = 2
    /// Dynamic masking in the loader (token, whole-word, span, ngram:N); nil: the shards' stored masks.
    public var dynamicMasking: String? = nil
    public var maskedLMProbability: Double = 0.15
    /// Vocabulary file for the loader when the dataset does not carry its own.
    public var vocabularyPath: String? = nil
    public var keepCheckpoints: Int = 2

    public init() {}

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(peak: learningRate, warmupSteps: warmupSteps, totalSteps: steps, decay: decay)
    }
}
