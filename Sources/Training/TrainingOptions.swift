/// The encoder's attention (`--attention`).
public enum EncoderAttention: String, Codable, Sendable, CaseIterable {
    /// BERT: absolute position embeddings at the input.
    case absolute
    /// DeBERTa: relative positions inside attention, none at the input (the config's
    /// `relative_attention`).
    case disentangled
}

/// Settings of a training run (what `prep train` parses), stored in every checkpoint. How
/// the data is read (dynamic masking, vocabulary) is the batch source's business and is
/// saved with its state.
public struct TrainingOptions: Codable, Sendable, Equatable {
    public var model: ModelSource = .size(.tiny)
    /// The decoder and its settings (`--decoder`, `--emd-passes`, `--decoder-layers`, …).
    public var decoder = DecoderOptions()
    public var attention: EncoderAttention = .absolute
    public var steps: Int = 1000
    public var batchSize: Int = 32
    public var learningRate: Float = 1e-4
    public var warmupSteps: Int = 0
    public var decay: LearningRateDecay = .linear
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
    public var keepCheckpoints: Int = 2

    public init() {}

    var schedule: LearningRateSchedule {
        LearningRateSchedule(peak: learningRate, warmupSteps: warmupSteps, totalSteps: steps, decay: decay)
    }

    /// The encoder's config for data of `vocabularySize` ids: `model`'s, with `attention`.
    public func modelConfig(vocabularySize: Int) throws -> ModelConfig {
        var config = try model.config(vocabularySize: vocabularySize)
        if attention == .disentangled { config.relativeAttention = true }
        // A dropout of 1 zeroes every activation (and its 1/(1-p) rescaling divides by 0).
        for (name, p) in [
            ("hidden_dropout_prob", config.hiddenDropoutProb),
            ("attention_probs_dropout_prob", config.attentionProbsDropoutProb),
        ] where !(p >= 0 && p < 1) {
            throw TrainingError.badConfig("\(model)", "\(name) must be in [0, 1), got \(p)")
        }
        return config
    }

    // The JSON keeps the layout checkpoints have always had: the decoder's kind under
    // `decoder` and its settings under `decoderOptions` (absent in the oldest runs, which
    // then get the kind's defaults), and `attention` null in runs older than it.
    private enum CodingKeys: String, CodingKey {
        case model, decoder, decoderOptions, attention, steps, batchSize, learningRate, warmupSteps, decay, weightDecay,
            maxGradNorm, gradientAccumulation, seed, maxLength, maxPredictions, saveEvery, evalEvery, stopAfter,
            threads, keepCheckpoints
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainingOptions()
        model = try c.decodeIfPresent(ModelSource.self, forKey: .model) ?? d.model
        let kind = try c.decodeIfPresent(DecoderOptions.Kind.self, forKey: .decoder) ?? .mlm
        self.decoder = try c.decodeIfPresent(DecoderOptions.self, forKey: .decoderOptions) ?? DecoderOptions(kind: kind)
        attention = try c.decodeIfPresent(EncoderAttention.self, forKey: .attention) ?? d.attention
        steps = try c.decodeIfPresent(Int.self, forKey: .steps) ?? d.steps
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? d.learningRate
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? d.warmupSteps
        decay = try c.decodeIfPresent(LearningRateDecay.self, forKey: .decay) ?? d.decay
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? d.weightDecay
        maxGradNorm = try c.decodeIfPresent(Float.self, forKey: .maxGradNorm) ?? d.maxGradNorm
        gradientAccumulation = try c.decodeIfPresent(Int.self, forKey: .gradientAccumulation) ?? d.gradientAccumulation
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength) ?? d.maxLength
        maxPredictions = try c.decodeIfPresent(Int.self, forKey: .maxPredictions) ?? d.maxPredictions
        saveEvery = try c.decodeIfPresent(Int.self, forKey: .saveEvery) ?? d.saveEvery
        evalEvery = try c.decodeIfPresent(Int.self, forKey: .evalEvery) ?? d.evalEvery
        stopAfter = try c.decodeIfPresent(Int.self, forKey: .stopAfter)
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
        keepCheckpoints = try c.decodeIfPresent(Int.self, forKey: .keepCheckpoints) ?? d.keepCheckpoints
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(decoder.kind, forKey: .decoder)
        try c.encode(decoder, forKey: .decoderOptions)
        try c.encode(attention, forKey: .attention)
        try c.encode(steps, forKey: .steps)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(warmupSteps, forKey: .warmupSteps)
        try c.encode(decay, forKey: .decay)
        try c.encode(weightDecay, forKey: .weightDecay)
        try c.encode(maxGradNorm, forKey: .maxGradNorm)
        try c.encode(gradientAccumulation, forKey: .gradientAccumulation)
        try c.encode(seed, forKey: .seed)
        try c.encode(maxLength, forKey: .maxLength)
        try c.encode(maxPredictions, forKey: .maxPredictions)
        try c.encode(saveEvery, forKey: .saveEvery)
        try c.encode(evalEvery, forKey: .evalEvery)
        try c.encodeIfPresent(stopAfter, forKey: .stopAfter)
        try c.encode(threads, forKey: .threads)
        try c.encode(keepCheckpoints, forKey: .keepCheckpoints)
    }
}
