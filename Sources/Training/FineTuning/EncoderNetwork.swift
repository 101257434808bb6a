import Foundation

/// The pretrained encoder as a building block for task heads in other modules (the
/// `Finetuning` module's sequence classifier): the same `TransformerEncoder` forward and
/// backward the pretraining trainer runs, its parameters in one arena together with the
/// head's tensors (so one AdamW and one checkpoint cover both), and several activation
/// slots, because SiFT runs perturbed forwards while the clean one's activations must stay
/// for its backward.
///
/// The pass is split where SiFT needs to reach in: `embed` writes the embedding sum
/// (word + position + token type, the input of the embeddings' LayerNorm) into the slot's
/// buffer, which the caller may overwrite; `encode` runs LayerNorm, dropout and the layers
/// from that buffer; `backward` stops at ∂L/∂(that buffer); `backwardEmbeddings` scatters a
/// gradient of the sum into the three embedding tables.
public final class EncoderNetwork {
    /// A tensor a head adds to the arena, by its HF name (weight decay and initialisation
    /// follow from the name, as for the encoder's: biases zero, LayerNorm ones, else normal).
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public init(name: String, shape: [Int]) { self.name = name; self.shape = shape }
    }

    /// Dropout keys of one pass: every (seed, step, pass) draws its own masks.
    public struct Dropout: Sendable, Equatable {
        public var seed: UInt64, step: Int, pass: Int
        public init(seed: UInt64, step: Int, pass: Int) { self.seed = seed; self.step = step; self.pass = pass }
        /// A key for a dropout site outside the encoder (a head's), distinct from the encoder's sites.
        public func key(site: Int) -> UInt64 {
            Training.Dropout.key(seed: seed, step: step, micro: pass, site: 1_000_000 + site)
        }
    }

    public let config: ModelConfig
    public let maxBatch: Int, maxLength: Int
    let parameters: ParameterArena
    let encoder: TransformerEncoder
    let states: [EncoderState]
    let arenas: [ActivationArena]
    let ids, types, mask: IndexBuffer
    let optimizer: AdamW
    /// Where parameter gradients go when a backward wants only the input gradient (SiFT's
    /// first perturbed pass, whose parameters do not require gradients).
    private var discarded: UnsafeMutablePointer<Float>?
    private var dropouts: [DropoutPlan]
    public private(set) var batch = 0, length = 0

    public init(
        config: ModelConfig, maxBatch: Int, maxLength: Int, slots: Int, head: [Tensor], weightDecay: Float
    ) throws {
        try config.validate()
        guard !config.relativeAttention else {
            throw TrainingError.badConfig(
                "config",
                "fine-tuning an encoder with disentangled attention is not implemented (BertModel layout only)")
        }
        guard maxLength <= config.maxPositionEmbeddings else {
            throw TrainingError.batchTooLarge(
                "sequence length \(maxLength) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
        }
        self.config = config; self.maxBatch = maxBatch; self.maxLength = maxLength
        BLASThreads.set(1)  // GEMMs are split across threads by `parallelSgemm`
        var layout = ParameterLayout()
        encoder = TransformerEncoder.register(config: config, prefix: "bert.", into: &layout)
        for t in head { _ = layout.add(t.name, t.shape) }
        parameters = ParameterArena(layout: layout)
        let capacity = BatchCapacity(batchSize: maxBatch, sequenceLength: maxLength, maxPredictions: 0)
        let measure = ActivationArena()
        _ = EncoderState(measure, config, capacity)
        arenas = (0..<slots).map { _ in ActivationArena(capacity: measure.used) }
        states = arenas.map { EncoderState($0, config, capacity) }
        ids = IndexBuffer(capacity.rows); types = IndexBuffer(capacity.rows); mask = IndexBuffer(capacity.rows)
        for s in states {
            s.inputs = EncoderInputs(ids: ids.pointer, types: types.pointer, mask: mask.pointer)
        }
        optimizer = AdamW(layout: layout, weightDecay: weightDecay)
        dropouts = Array(repeating: .none, count: slots)
    }

    deinit { discarded?.deallocate() }

    /// Every tensor's name and shape, in arena order.
    public var tensors: [Tensor] { parameters.layout.tensors.map { Tensor(name: $0.name, shape: $0.shape) } }
    public var parameterCount: Int { parameters.count }

    public func values(_ name: String) -> UnsafeMutableBufferPointer<Float> {
        parameters.value(parameters.layout.tensor(named: name)!)
    }
    public func gradients(_ name: String) -> UnsafeMutableBufferPointer<Float> {
        parameters.gradient(parameters.layout.tensor(named: name)!)
    }

    /// HF's `_init_weights` for every tensor (normal(0, initializer_range), biases 0,
    /// LayerNorm 1, the padding row zero); loading then overwrites what a file has.
    public func initialize(seed: UInt64) {
        parameters.initialize(
            std: config.initializerRange, seed: seed,
            paddingRows: ["bert.embeddings.word_embeddings.weight": config.padTokenId])
    }

    /// Copies the batch's inputs (row-major [batch, length]) into the network's buffers.
    public func setInputs(ids i: [UInt32], types t: [UInt32], mask m: [UInt32], batch b: Int, length l: Int) throws {
        guard b <= maxBatch, l <= maxLength, i.count == b * l, t.count == b * l, m.count == b * l else {
            throw TrainingError.batchTooLarge("batch \(b)×\(l) exceeds \(maxBatch)×\(maxLength)")
        }
        for k in 0..<(b * l) {
            guard i[k] < UInt32(config.vocabSize) else {
                throw TrainingError.batchTooLarge("token id \(i[k]) is outside the vocabulary of \(config.vocabSize)")
            }
            guard t[k] < UInt32(config.typeVocabSize) else {
                throw TrainingError.batchTooLarge("token type \(t[k]) is outside 0..<\(config.typeVocabSize)")
            }
            ids.pointer[k] = i[k]; types.pointer[k] = t[k]; mask.pointer[k] = m[k]
        }
        batch = b; length = l
        for s in states { s.batch = b; s.length = l }
    }

    /// The embedding sum of the current inputs in slot `slot`'s buffer [batch·length, H],
    /// which `encode` reads; the caller may replace it (SiFT).
    public func embed(slot: Int) -> UnsafeMutablePointer<Float> {
        let s = states[slot], e = encoder.embeddings, P = parameters.values
        Embedding.forward(
            out: s.embeddingSum, ids: ids.pointer, types: types.pointer, batch: batch, length: length,
            hidden: config.hiddenSize, word: P + e.word, position: P + e.position, type: P + e.tokenType)
        return s.embeddingSum
    }

    /// The slot's embedding-sum buffer without recomputing it.
    public func embeddingSum(slot: Int) -> UnsafeMutablePointer<Float> { states[slot].embeddingSum }

    /// LayerNorm, dropout and the layers over the slot's embedding-sum buffer; the final
    /// hidden states [batch·length, H]. `dropout` nil: none (evaluation).
    public func encode(slot: Int, dropout: Dropout?) -> UnsafePointer<Float> {
        let s = states[slot], e = encoder.embeddings, P = parameters.values
        let n = batch * length, h = config.hiddenSize
        let d =
            dropout.map {
                DropoutPlan(
                    hidden: config.hiddenDropoutProb, attention: config.attentionProbsDropoutProb, seed: $0.seed,
                    step: $0.step, micro: $0.pass)
            } ?? .none
        dropouts[slot] = d
        LayerNorm.forward(
            out: s.embeddingOutput, mean: s.embeddingMean, rstd: s.embeddingRstd, inp: s.embeddingSum,
            gamma: P + e.normWeight, beta: P + e.normBias, rows: n, columns: h, eps: config.layerNormEps)
        Training.Dropout.apply(s.embeddingOutput, count: n * h, p: d.hidden, key: d.key(site: 0))
        var x = UnsafePointer(s.embeddingOutput)
        for l in 0..<encoder.layers.count {
            encoder.layerForward(l, input: x, s, P, dropout: d)
            x = UnsafePointer(s.layers[l].output)
        }
        return x
    }

    /// The buffer for ∂L/∂(final hidden states) of slot `slot`, zeroed: the head writes its
    /// rows' gradients, then calls `backward`.
    public func hiddenGradient(slot: Int) -> UnsafeMutablePointer<Float> {
        let g = states[slot].scratch.dHidden
        g.update(repeating: 0, count: batch * length * config.hiddenSize)
        return g
    }

    /// Backward of slot `slot`'s last `encode` from `hiddenGradient(slot:)`; adds the
    /// parameter gradients (or drops them: `parameterGradients` false) and returns
    /// ∂L/∂(embedding-sum buffer), valid until the next backward of that slot.
    public func backward(slot: Int, parameterGradients: Bool = true) -> UnsafePointer<Float> {
        let s = states[slot], e = encoder.embeddings, P = parameters.values, d = dropouts[slot]
        let n = batch * length, h = config.hiddenSize, g = s.scratch
        let G: UnsafeMutablePointer<Float>
        if parameterGradients {
            G = parameters.gradients
        } else {
            if discarded == nil {
                discarded = .allocate(capacity: max(1, parameters.count))
            }
            G = discarded!
            G.update(repeating: 0, count: parameters.count)
        }
        for l in stride(from: encoder.layers.count - 1, through: 0, by: -1) {
            let x = l == 0 ? s.embeddingOutput : s.layers[l - 1].output
            encoder.layerBackward(l, input: x, s, P, G, dropout: d)
        }
        Training.Dropout.apply(g.dHidden, count: n * h, p: d.hidden, key: d.key(site: 0))
        LayerNorm.backward(
            dinp: g.dResidual, dgamma: G + e.normWeight, dbeta: G + e.normBias, dout: g.dHidden,
            inp: s.embeddingSum, mean: s.embeddingMean, rstd: s.embeddingRstd, gamma: P + e.normWeight,
            rows: n, columns: h)
        return UnsafePointer(g.dResidual)
    }

    /// Adds ∂L/∂(embedding sum) [batch·length, H] into the word, position and token-type
    /// tables' gradients (the padding id's row gets none, as `nn.Embedding(padding_idx:)`).
    public func backwardEmbeddings(_ dSum: UnsafePointer<Float>) {
        let e = encoder.embeddings, G = parameters.gradients
        Embedding.backward(
            dout: dSum, ids: ids.pointer, types: types.pointer, batch: batch, length: length,
            hidden: config.hiddenSize, paddingID: UInt32(config.padTokenId), dword: G + e.word,
            dposition: G + e.position, dtype: G + e.tokenType)
    }

    public func zeroGradients() { parameters.zeroGradients() }

    /// One AdamW step (torch's, decoupled decay skipping biases and LayerNorm weights) after
    /// clipping the global gradient norm to `maxGradNorm` (≤ 0: no clipping); the gradients
    /// are zeroed on the way. Returns the norm before clipping.
    @discardableResult
    public func step(lr: Float, maxGradNorm: Float, epsilon: Float) -> Double {
        optimizer.epsilon = epsilon
        let norm = parameters.gradientNorm()
        optimizer.update(
            parameters, lr: lr, gradientScale: clipCoefficient(norm: norm, maxNorm: maxGradNorm), zeroingGradients: true
        )
        return norm
    }

    /// Every tensor as safetensors bytes under its arena name.
    public func safetensors(metadata: [String: String]) throws -> Data {
        let p = parameters
        return try SafeTensors.encode(
            p.layout.tensors.map {
                SafeTensors.Tensor(name: $0.name, shape: $0.shape, data: UnsafeBufferPointer(p.value($0)))
            }, metadata: metadata)
    }
}
