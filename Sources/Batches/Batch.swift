/// What the loader hands the trainer: a batch of `size` samples as contiguous row-major
/// arrays, each padded to
/// `sequenceLength` tokens and `maxPredictions` masked slots.
public struct Batch: Sendable, Equatable {
    public var size: Int
    public var sequenceLength: Int
    public var maxPredictions: Int
    /// [size × sequenceLength]; padding is the vocabulary's [PAD] id.
    public var inputIDs: [Int32]
    /// [size × sequenceLength]; 1 for real tokens, 0 for padding.
    public var attentionMask: [Int32]
    /// [size × sequenceLength]; 0 for segment A (and padding), 1 for segment B.
    public var segmentIDs: [Int32]
    /// [size × maxPredictions]; positions into the row, ascending; padding slots are 0.
    public var maskedPositions: [Int32]
    /// [size × maxPredictions]; the original token id, or -1 for a padding slot.
    public var maskedLabels: [Int32]
    /// [size]; 0/1 when pairs are on, -1 otherwise.
    public var nextSentenceLabels: [Int32]
    /// Dataset-global indices of the samples, in batch order.
    public var sampleIndices: [Int]

    public init(size: Int, sequenceLength: Int, maxPredictions: Int) {
        self.size = size; self.sequenceLength = sequenceLength; self.maxPredictions = maxPredictions
        inputIDs = Array(repeating: 0, count: size * sequenceLength)
        attentionMask = Array(repeating: 0, count: size * sequenceLength)
        segmentIDs = Array(repeating: 0, count: size * sequenceLength)
        maskedPositions = Array(repeating: 0, count: size * maxPredictions)
        maskedLabels = Array(repeating: -1, count: size * maxPredictions)
        nextSentenceLabels = Array(repeating: -1, count: size)
        sampleIndices = Array(repeating: 0, count: size)
    }
}
