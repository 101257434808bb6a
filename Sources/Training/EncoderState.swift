/// Saved activations of one encoder layer (inputs of each op's backward).
struct EncoderLayerActivations {
    var qkv, probs, droppedProbs, context, residual1, mean1, rstd1, attended: UnsafeMutablePointer<Float>
    var ffnPre, ffnAct, ffnDerivative, residual2, mean2, rstd2, output: UnsafeMutablePointer<Float>

    init(_ a: ActivationArena, _ c: ModelConfig, _ cap: BatchCapacity) {
        let n = cap.rows, h = c.hiddenSize, i = c.intermediateSize
        qkv = a.take(n * 3 * h)
        let scores = cap.batchSize * c.numAttentionHeads * cap.sequenceLength * cap.sequenceLength
        probs = a.take(scores)
        droppedProbs = a.take(c.attentionProbsDropoutProb > 0 ? scores : 0)
        context = a.take(n * h); residual1 = a.take(n * h); mean1 = a.take(n); rstd1 = a.take(n)
        // GELU runs in place: its backward needs only the stored derivative and the output, so
        // the pre-activation buffer is reused, and the [rows, I] output lands on cache lines
        // the forward has just read instead of a fresh buffer's (one [rows, I] pass less).
        attended = a.take(n * h); ffnPre = a.take(n * i); ffnAct = ffnPre; ffnDerivative = a.take(n * i)
        residual2 = a.take(n * h); mean2 = a.take(n); rstd2 = a.take(n); output = a.take(n * h)
    }
}

/// Gradient scratch shared by all layers (the backward walks one layer at a time).
struct EncoderGradientScratch {
    var dHidden, dResidual, dTemp, dFFN, dQKV, dContext, attention: UnsafeMutablePointer<Float>
    /// Row-group partial sums of `LayerNorm.backwardThroughDropout`.
    var normPartials: UnsafeMutablePointer<Float>
    /// Per-batch-row column sums of the QKV gradient (`Attention.backward`), [B, 3H].
    var qkvBiasPartials: UnsafeMutablePointer<Float>

    init(_ a: ActivationArena, _ c: ModelConfig, _ cap: BatchCapacity) {
        let n = cap.rows, h = c.hiddenSize
        dHidden = a.take(n * h); dResidual = a.take(n * h); dTemp = a.take(n * h)
        dFFN = a.take(n * c.intermediateSize); dQKV = a.take(n * 3 * h)
        dContext = a.take(n * h); normPartials = a.take(6 * h); qkvBiasPartials = a.take(cap.batchSize * 3 * h)
        attention = a.take(Parallel.threads * Attention.scratchPerThread(length: cap.sequenceLength))
    }
}

/// The batch's token ids, segment ids and attention mask, read where the batch holds them
/// (`MaskedLanguageModel.withInputs`), [B·T] each.
struct EncoderInputs {
    var ids: UnsafePointer<UInt32>
    var types: UnsafePointer<UInt32>
    var mask: UnsafePointer<UInt32>
}

/// Encoder buffers: the inputs, saved activations and gradient scratch.
final class EncoderState {
    /// Told during the backward that the gradients from an offset to the end are final
    /// (`GradientBuckets`, data-parallel training); nil otherwise.
    var gradientsReady: ((Int) -> Void)? = nil
    /// Set only while the model runs a pass over its batch; nil in between.
    var inputs: EncoderInputs?
    let embeddingSum, embeddingMean, embeddingRstd, embeddingOutput: UnsafeMutablePointer<Float>
    let layers: [EncoderLayerActivations]
    let scratch: EncoderGradientScratch
    let relative: RelativeState?
    var batch = 0, length = 0

    init(_ a: ActivationArena, _ c: ModelConfig, _ cap: BatchCapacity) {
        let n = cap.rows
        embeddingSum = a.take(n * c.hiddenSize); embeddingMean = a.take(n); embeddingRstd = a.take(n)
        embeddingOutput = a.take(n * c.hiddenSize)
        layers = (0..<c.numHiddenLayers).map { _ in EncoderLayerActivations(a, c, cap) }
        scratch = EncoderGradientScratch(a, c, cap)
        relative = c.relativeAttention ? RelativeState(a, c, cap) : nil
    }

    /// Final hidden states [B·T, H].
    var output: UnsafeMutablePointer<Float> { layers.last?.output ?? embeddingOutput }
}
