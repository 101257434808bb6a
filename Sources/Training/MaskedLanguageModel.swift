import Batches

/// Result of one forward pass over a batch.
struct StepOutput: Sendable, Equatable {
    var lossSum: Double
    var predictions: Int
    var correct: Int
    var tokens: Int
    var loss: Double { predictions > 0 ? lossSum / Double(predictions) : 0 }
    var accuracy: Double { predictions > 0 ? Double(correct) / Double(predictions) : 0 }
}

/// The pretraining model: `TransformerEncoder`, the decoder `--decoder` selects (Decoders/)
/// and the MLM head, with its parameter and activation arenas.
public final class MaskedLanguageModel {
    let config: ModelConfig
    let capacity: BatchCapacity
    let parameters: ParameterArena
    let encoder: TransformerEncoder
    let head: MLMHead
    /// The decoder between encoder and head (`--decoder`, see Decoders/).
    let decoderOptions: DecoderOptions
    let decoder: MLMDecoder
    let decoderState: DecoderState
    /// BPDec: replay these random choices instead of drawing them (parity tests).
    var bpdecChoices: BPDecChoices?
    let arena: ActivationArena
    let encoderState: EncoderState
    let headState: MLMHeadState
    private var lastDropout = DropoutPlan.none
    /// The batch of the last `forward`, whose arrays the encoder reads in place.
    private var staged = Batch(size: 0, sequenceLength: 0, maxPredictions: 0)
    /// `Parallel.threads` when the per-thread scratch was sized; more threads would overrun it.
    let threadCapacity: Int

    init(config: ModelConfig, capacity: BatchCapacity, decoder decoderOptions: DecoderOptions = DecoderOptions()) throws
    {
        try config.validate()
        try decoderOptions.validate()
        guard capacity.sequenceLength <= config.maxPositionEmbeddings else {
            throw TrainingError.batchTooLarge(
                "sequence length \(capacity.sequenceLength) exceeds max_position_embeddings \(config.maxPositionEmbeddings)"
            )
        }
        self.config = config
        self.capacity = capacity
        BLASThreads.set(1)  // GEMMs are split across threads by `parallelSgemm`
        threadCapacity = Parallel.threads
        var layout = ParameterLayout()
        encoder = TransformerEncoder.register(config: config, into: &layout)
        self.decoderOptions = decoderOptions
        decoder = MLMDecoder.register(decoderOptions, encoder: encoder, into: &layout)
        head = MLMHead.register(config: config, wordEmbeddings: encoder.embeddings.word, into: &layout)
        parameters = ParameterArena(layout: layout)
        let measure = ActivationArena()
        _ = EncoderState(measure, config, capacity)
        _ = MLMHeadState(
            measure, hidden: config.hiddenSize, vocabulary: config.vocabSize, maskedRows: capacity.maskedRows)
        _ = decoder.makeState(measure, config, capacity)
        arena = ActivationArena(capacity: measure.used)
        encoderState = EncoderState(arena, config, capacity)
        headState = MLMHeadState(
            arena, hidden: config.hiddenSize, vocabulary: config.vocabSize, maskedRows: capacity.maskedRows)
        decoderState = decoder.makeState(arena, config, capacity)
    }

    /// BERT initialisation from a seed.
    func initializeWeights(seed: UInt64) {
        parameters.initialize(
            std: config.initializerRange, seed: seed,
            paddingRows: ["bert.embeddings.word_embeddings.weight": config.padTokenId])
    }

    /// Checks a batch against the model and the capacity and gathers its masked slots (row
    /// index and label of each, `noLabel` slots skipped) for the head. The token ids, segment
    /// ids and mask are not copied: the encoder reads them from the batch (`withInputs`).
    func stage(_ b: Batch) throws {
        let t = b.sequenceLength, n = b.size * t
        guard b.size <= capacity.batchSize, t <= capacity.sequenceLength, n <= capacity.rows else {
            throw TrainingError.batchTooLarge(
                "batch \(b.size)×\(t) exceeds \(capacity.batchSize)×\(capacity.sequenceLength); raise --max-length (or --batch-size)"
            )
        }
        let v = UInt32(config.vocabSize), types = UInt32(config.typeVocabSize)
        try b.inputIDs.withUnsafeBufferPointer { ids in
            try b.segmentIDs.withUnsafeBufferPointer { segments in
                for i in 0..<n {
                    let id = ids[i], ty = segments[i]
                    guard id < v else {
                        throw TrainingError.batchTooLarge(
                            "token id \(id) at row \(i / t), position \(i % t) is outside the vocabulary of \(v)")
                    }
                    guard ty < types else {
                        throw TrainingError.batchTooLarge("segment id \(ty) at row \(i / t) is outside 0..<\(types)")
                    }
                }
            }
        }
        var m = 0
        let hs = headState
        for row in 0..<b.size {
            for k in 0..<b.maxPredictions {
                let label = b.maskedLabels[row * b.maxPredictions + k]
                guard label != Batch.noLabel else { continue }
                let pos = Int(b.maskedPositions[row * b.maxPredictions + k])
                guard pos < t, label < v else {
                    throw TrainingError.batchTooLarge(
                        "masked slot \(k) of row \(row): position \(pos) or label \(label) out of range")
                }
                guard m < hs.rows.capacity else {
                    throw TrainingError.batchTooLarge(
                        "more than \(hs.rows.capacity) masked positions in a batch; raise --max-predictions")
                }
                hs.rows.pointer[m] = UInt32(row * t + pos); hs.labels.pointer[m] = label
                m += 1
            }
        }
        hs.count = m
        encoderState.batch = b.size; encoderState.length = t
        staged = b
    }

    /// Runs `body` with the encoder's inputs pointing into the staged batch's arrays, which
    /// `staged` keeps alive and unchanged between `forward` and `backward`.
    func withInputs<R>(_ body: () -> R) -> R {
        let b = staged
        return b.inputIDs.withUnsafeBufferPointer { ids in
            b.segmentIDs.withUnsafeBufferPointer { types in
                b.attentionMask.withUnsafeBufferPointer { mask in
                    encoderState.inputs = EncoderInputs(
                        ids: ids.baseAddress!, types: types.baseAddress!, mask: mask.baseAddress!)
                    defer { encoderState.inputs = nil }
                    return body()
                }
            }
        }
    }

    /// Forward pass; also prepares ∂(gradientScale · loss)/∂logits for `backward()`, the loss
    /// being the mean over `predictions` masked positions (default: the batch's own).
    @discardableResult
    func forward(
        _ batch: Batch, dropout: DropoutPlan = .none, gradientScale: Float = 1, predictions normalizer: Int? = nil
    ) throws -> StepOutput {
        precondition(Parallel.threads <= threadCapacity, "Parallel.threads raised after the model was built")
        try stage(batch)
        lastDropout = dropout
        let P = parameters.values
        let r = withInputs {
            head.forward(
                hidden: decoderForward(dropout: dropout), headState, P, gradientScale: gradientScale,
                normalizer: normalizer)
        }
        return StepOutput(
            lossSum: r.lossSum, predictions: headState.count, correct: r.hits,
            tokens: batch.attentionMask.reduce(0) { $0 + ($1 != 0 ? 1 : 0) })
    }

    /// Accumulates gradients of the last forward into `parameters.gradients`.
    func backward() {
        let P = parameters.values, G = parameters.gradients, s = encoderState
        head.backward(dHidden: s.scratch.dHidden, hiddenRows: s.batch * s.length, headState, P, G)
        withInputs { decoderBackward(dropout: lastDropout) }
        // Let go of the batch, so a source that refills one batch in place does not copy it.
        staged = Batch(size: 0, sequenceLength: 0, maxPredictions: 0)
    }

    /// Logits of the batch's masked rows, [predictions, V], without dropout (for tests and
    /// eval tools; a later `backward` would need a `forward` first).
    func maskedLogits(_ batch: Batch) throws -> [Float] {
        try stage(batch)
        let P = parameters.values
        withInputs { head.logits(hidden: decoderForward(dropout: .none), headState, P) }
        return Array(UnsafeBufferPointer(start: headState.logits, count: headState.count * config.vocabSize))
    }

    /// Matmul FLOPs of one forward+backward on `tokens` positions with `predictions`
    /// masked rows and sequence length `length` (6·params·tokens convention plus attention).
    func flopsPerStep(batch: Int, length: Int, predictions: Int) -> Double {
        let c = config, h = Double(c.hiddenSize), i = Double(c.intermediateSize), n = Double(batch * length)
        let layerParams = 4 * h * h + 2 * h * i
        let encoder = 6 * n * layerParams * Double(c.numHiddenLayers)
        let attention = 3 * 4 * Double(batch) * Double(length * length) * h * Double(c.numHiddenLayers)
        let head = 6 * Double(predictions) * (h * h + h * Double(c.vocabSize))
        return encoder + attention + head + decoder.extraFlops(c, batch: batch, length: length)
    }
}
