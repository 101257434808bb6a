import Shards

/// A document as `prep tokenize` stores it: tokens of all sentences, concatenated, and
/// each sentence's token count.
public struct TokenizedDocument: Sendable, Equatable {
    public var tokens: [UInt32]
    public var sentenceLengths: [UInt32]
    public init(tokens: [UInt32] = [], sentenceLengths: [UInt32] = []) {
        self.tokens = tokens; self.sentenceLengths = sentenceLengths
    }
    mutating func removeAll() {
        tokens.removeAll(keepingCapacity: true); sentenceLengths.removeAll(keepingCapacity: true)
    }
}

/// Instances of a run of documents in flat arrays: one allocation per column however many
/// instances it holds, reused from batch to batch.
public struct InstanceBatch: Sendable {
    public var inputIDs: [UInt32] = []
    /// One per instance: the position of segment B's first token (token type 1 from there on);
    /// the instance's length when it has no B. Segment ids are always 0…0 1…1, so this is all
    /// of them (see `segmentIDs(_:)`).
    public var segmentBStarts: [UInt32] = []
    public var maskedPositions: [UInt32] = []
    public var maskedLabels: [UInt32] = []
    /// One per instance: 0 = in order / next, 1 = swapped / random, `UInt32.max` = no pairs.
    public var nextSentenceLabels: [UInt32] = []
    /// End offsets of each instance in `inputIDs` and in the masked columns.
    var tokenEnds: [Int] = []
    var maskEnds: [Int] = []

    public init() {}
    public var count: Int { tokenEnds.count }

    mutating func removeAll() {
        inputIDs.removeAll(keepingCapacity: true); segmentBStarts.removeAll(keepingCapacity: true)
        maskedPositions.removeAll(keepingCapacity: true); maskedLabels.removeAll(keepingCapacity: true)
        nextSentenceLabels.removeAll(keepingCapacity: true)
        tokenEnds.removeAll(keepingCapacity: true); maskEnds.removeAll(keepingCapacity: true)
    }

    public func tokenRange(_ i: Int) -> Range<Int> { (i == 0 ? 0 : tokenEnds[i - 1])..<tokenEnds[i] }
    public func maskRange(_ i: Int) -> Range<Int> { (i == 0 ? 0 : maskEnds[i - 1])..<maskEnds[i] }

    /// Instance i's segment (token type) ids: 0 before `segmentBStarts[i]`, 1 from it on.
    func segmentIDs(_ i: Int) -> [UInt32] {
        InstanceSchema.segmentIDs(count: tokenRange(i).count, segmentBStart: Int(segmentBStarts[i]))
    }
}
