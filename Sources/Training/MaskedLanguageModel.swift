import Batches

/// Result of one forward pass over a batch.
public struct StepOutput: Sendable, Equatable {
    public var lossSum: Double
    public var predictions: Int
    public var correct: Int
    public var tokens: Int
    public var loss: Double { predictions > 0 ? lossSum / Double(predictions) : 0 }
    public var accuracy: Double { predictions > 0 ? Double(correct) / Double(predictions) : 0 }
}

/// BERT encoder + MLM head (`--decoder mlm`), with its parameter and activation arenas.
/// Other decoders (issue 6) compose `BertEncoder` and `MLMHead` the same way.
public final class MaskedLanguageModel {
    public let config: ModelConfig
    public let capacity: BatchCapacity
    public let parameters: ParameterArena
    public let encoder: BertEncoder
    public let head: MLMHead
    /// The decoder between encoder and head (`--decoder`, see Decoders/).
    public let decoderOptions: DecoderOptions
    let decoder: MLMDecoder
    let decoderState: DecoderState
    /// BPDec: replay these random choices instead of drawing them (parity tests).
    public var bpdecChoices: BPDecChoices?
    let arena: ActivationArena
    let encoderState: EncoderState
    let headState: MLMHeadState
    private var lastDropout = DropoutPlan.none
    /// `Parallel.threads` when the per-thread scratch was sized; more threads would overrun it.
    let threadCapacity: Int

    public init(config: ModelConfig, capacity: BatchCapacity, decoder decoderOptions: DecoderOptions = DecoderOptions()) throws {
        try config.validate()
        try decoderOptions.validate()
        guard capacity.sequenceLength <= config.maxPositionEmbeddings else {
            throw TrainingError.batchTooLarge("sequence length \(capacity.sequenceLength) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
        }
        self.config = config
        self.capacity = capacity
        BLASThreads.set(1)  // GEMMs are split across threads by `parallelSgemm`
        threadCapacity = Parallel.threads
        var layout = ParameterLayout()
        encoder = BertEncoder.register(config: config, into: &layout)
        self.decoderOptions = decoderOptions
        decoder = MLMDecoder.register(decoderOptions, encoder: encoder, into: &layout)
        head = MLMHead.register(config: config, wordEmbeddings: encoder.embeddings.word, into: &layout)
        parameters = ParameterArena(layout: layout)
        let measure = ActivationArena()
        _ = EncoderState(measure, config, capacity)
        _ = MLMHeadState(measure, hidden: config.hiddenSize, vocabulary: config.vocabSize, maskedRows: capacity.maskedRows)
        _ = decoder.makeState(measure, config, capacity)
        arena = ActivationArena(capacity: measure.used)
        encoderState = EncoderState(arena, config, capacity)
        headState = MLMHeadState(arena, hidden: config.hiddenSize, vocabulary: config.vocabSize, maskedRows: capacity.maskedRows)
        decoderState = decoder.makeState(arena, config, capacity)
    }

    /// BERT initialisation from a seed.
    public func initializeWeights(seed: UInt64) {
        parameters.initialize(std: config.initializerRange, seed: seed,
                              paddingRows: ["bert.embeddings.word_embeddings.weight": config.padTokenId])
    }

    /// Copies a batch into the staging buffers, checking it against the model and capacity.
    func stage(_ b: Batch) throws {
        let t = b.sequenceLength, n = b.size * t
        guard b.size <= capacity.batchSize, t <= capacity.sequenceLength, n <= capacity.rows else {
            throw TrainingError.batchTooLarge("batch \(b.size)×\(t) exceeds \(capacity.batchSize)×\(capacity.sequenceLength); raise --max-length (or --batch-size)")
        }
        let s = encoderState
        s.batch = b.size; s.length = t
        let v = Int32(config.vocabSize), types = Int32(config.typeVocabSize)
        for i in 0..<n {
            let id = b.inputIDs[i], ty = b.segmentIDs[i]
            guard id >= 0, id < v else { throw TrainingError.batchTooLarge("token id \(id) at row \(i / t), position \(i % t) is outside the vocabulary of \(v)") }
            guard ty >= 0, ty < types else { throw TrainingError.batchTooLarge("segment id \(ty) at row \(i / t) is outside 0..<\(types)") }
            s.ids.pointer[i] = id; s.types.pointer[i] = ty; s.mask.pointer[i] = b.attentionMask[i] != 0 ? 1 : 0
        }
        var m = 0
        let hs = headState
        for row in 0..<b.size {
            for k in 0..<b.maxPredictions {
                let label = b.maskedLabels[row * b.maxPredictions + k]
                guard label >= 0 else { continue }
                let pos = Int(b.maskedPositions[row * b.maxPredictions + k])
                guard pos < t, label < v else { throw TrainingError.batchTooLarge("masked slot \(k) of row \(row): position \(pos) or label \(label) out of range") }
                guard m < hs.rows.capacity else { throw TrainingError.batchTooLarge("more than \(hs.rows.capacity) masked positions in a batch; raise --max-predictions") }
                hs.rows.pointer[m] = Int32(row * t + pos); hs.labels.pointer[m] = label
                m += 1
            }
        }
        hs.count = m
    }

    /// Forward pass; also prepares ∂(gradientScale · loss)/∂logits for `backward()`.
    @discardableResult
    public func forward(_ batch: Batch, dropout: DropoutPlan = .none, gradientScale: Float = 1) throws -> StepOutput {
        precondition(Parallel.threads <= threadCapacity, "Parallel.threads raised after the model was built")
        try stage(batch)
        lastDropout = dropout
        let P = parameters.values
        let hidden = decoderForward(dropout: dropout)
        let r = head.forward(hidden: hidden, headState, P, gradientScale: gradientScale)
        return StepOutput(lossSum: r.lossSum, predictions: headState.count, correct: r.hits,
                          tokens: batch.attentionMask.reduce(0) { $0 + ($1 != 0 ? 1 : 0) })
    }

    /// Accumulates gradients of the last forward into `parameters.gradients`.
    public func backward() {
        let P = parameters.values, G = parameters.gradients, s = encoderState
        head.backward(dHidden: s.scratch.dHidden, hiddenRows: s.batch * s.length, headState, P, G)
        decoderBackward(dropout: lastDropout)
    }

    /// Logits of the masked rows of the last forward, [predictions, V] (before `backward`
    /// they hold the loss gradient, so this recomputes them; for tests and eval tools).
    public func maskedLogits(_ batch: Batch) throws -> [Float] {
        try stage(batch)
        let P = parameters.values
        let hidden = decoderForward(dropout: .none)
        let s = headState, m = s.count, H = config.hiddenSize
        for i in 0..<m { (s.gathered + i * H).update(from: hidden + Int(s.rows.pointer[i]) * H, count: H) }
        Linear.forward(out: s.pre, inp: s.gathered, weight: P + head.denseWeight, bias: P + head.denseBias, rows: m, inputs: H, outputs: H)
        GELU.forward(out: s.act, derivative: s.actDerivative, inp: s.pre, count: m * H)
        LayerNorm.forward(out: s.transformed, mean: s.mean, rstd: s.rstd, inp: s.act, gamma: P + head.normWeight,
                          beta: P + head.normBias, rows: m, columns: H, eps: config.layerNormEps)
        Linear.forward(out: s.logits, inp: s.transformed, weight: P + head.wordEmbeddings, bias: P + head.outputBias,
                       rows: m, inputs: H, outputs: config.vocabSize)
        return Array(UnsafeBufferPointer(start: s.logits, count: m * config.vocabSize))
    }

    /// Matmul FLOPs of one forward+backward on `tokens` positions with `predictions`
    /// masked rows and sequence length `length` (6·params·tokens convention plus attention).
    public func flopsPerStep(batch: Int, length: Int, predictions: Int) -> Double {
        let c = config, h = Double(c.hiddenSize), i = Double(c.intermediateSize), n = Double(batch * length)
        let layerParams = 4 * h * h + 2 * h * i
        let encoder = 6 * n * layerParams * Double(c.numHiddenLayers)
        let attention = 3 * 4 * Double(batch) * Double(length * length) * h * Double(c.numHiddenLayers)
        let head = 6 * Double(predictions) * (h * h + h * Double(c.vocabSize))
        return encoder + attention + head + decoder.extraFlops(c, batch: batch, length: length)
    }
}
