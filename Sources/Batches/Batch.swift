/// What the loader hands the trainer: a batch of `size` samples as contiguous row-major
/// arrays, each padded to `sequenceLength` tokens and `maxPredictions` masked slots.
///
/// Every column is `UInt32`, the type the shards store token ids in and the tokenizer and
/// masker produce, so ids travel from shard to embedding lookup without a conversion. The
/// one value no column uses for data, `Batch.noLabel`, marks a label that is absent: a
/// padding slot of `maskedLabels`, or a sample without a sentence pair in
/// `nextSentenceLabels` (Masking's `InstanceBatch` spells "no pair" the same way).
///
/// This is the module's whole face: `Batch`, `Batch.noLabel` and the initialiser.
public struct Batch: Sendable, Equatable {
    /// The label of a padding slot, and of a sample that has no sentence pair. No
    /// vocabulary reaches 2³² − 1 ids, so it never collides with a token id.
    public static let noLabel = UInt32.max

    public var size: Int
    public var sequenceLength: Int
    public var maxPredictions: Int
    /// [size × sequenceLength]; padding is the vocabulary's [PAD] id.
    public var inputIDs: [UInt32]
    /// [size × sequenceLength]; 1 for real tokens, 0 for padding.
    public var attentionMask: [UInt32]
    /// [size × sequenceLength]; 0 for segment A (and padding), 1 for segment B.
    public var segmentIDs: [UInt32]
    /// [size × maxPredictions]; positions into the row, ascending; padding slots are 0.
    public var maskedPositions: [UInt32]
    /// [size × maxPredictions]; the original token id, or `noLabel` for a padding slot.
    public var maskedLabels: [UInt32]
    /// [size]; 0 = segment B follows A (in order), 1 = random or swapped, `noLabel` when
    /// the sample has no pair.
    public var nextSentenceLabels: [UInt32]
    /// Dataset-global indices of the samples, in batch order.
    public var sampleIndices: [Int]

    /// An empty batch: no tokens (attention 0, ids and segments 0), every masked slot and
    /// sentence label `noLabel`.
    public init(size: Int, sequenceLength: Int, maxPredictions: Int) {
        self.size = size; self.sequenceLength = sequenceLength; self.maxPredictions = maxPredictions
        inputIDs = Array(repeating: 0, count: size * sequenceLength)
        attentionMask = Array(repeating: 0, count: size * sequenceLength)
        segmentIDs = Array(repeating: 0, count: size * sequenceLength)
        maskedPositions = Array(repeating: 0, count: size * maxPredictions)
        maskedLabels = Array(repeating: Batch.noLabel, count: size * maxPredictions)
        nextSentenceLabels = Array(repeating: Batch.noLabel, count: size)
        sampleIndices = Array(repeating: 0, count: size)
    }
}
