import Batches
import Foundation

extension Batch {
    /// Rows `rows` of the batch (a rank's contiguous share of a global batch).
    public func rows(_ rows: Range<Int>) -> Batch {
        let r = rows.clamped(to: 0..<size), t = sequenceLength, m = maxPredictions
        var b = Batch(size: r.count, sequenceLength: t, maxPredictions: m)
        b.inputIDs = Array(inputIDs[r.lowerBound * t..<r.upperBound * t])
        b.attentionMask = Array(attentionMask[r.lowerBound * t..<r.upperBound * t])
        b.segmentIDs = Array(segmentIDs[r.lowerBound * t..<r.upperBound * t])
        b.maskedPositions = Array(maskedPositions[r.lowerBound * m..<r.upperBound * m])
        b.maskedLabels = Array(maskedLabels[r.lowerBound * m..<r.upperBound * m])
        b.nextSentenceLabels = Array(nextSentenceLabels[r])
        b.sampleIndices = Array(sampleIndices[r])
        return b
    }

    /// The batch with every row padded to `length` (attention 0, token and segment 0). Under
    /// MPI each rank pads its share to the longest row of the whole global batch, as one
    /// process padding the global batch would: the dropout masks are keyed by element index,
    /// which depends on the length. The padding's token id cannot change a result: padded keys
    /// get probability exactly 0, and no loss reads a padded row, so its gradient is 0.
    func padded(toLength length: Int) -> Batch {
        guard length > sequenceLength else { return self }
        let t = sequenceLength
        var b = self
        b.sequenceLength = length
        b.inputIDs = Array(repeating: 0, count: size * length)
        b.attentionMask = Array(repeating: 0, count: size * length)
        b.segmentIDs = Array(repeating: 0, count: size * length)
        for r in 0..<size {
            for i in 0..<t {
                b.inputIDs[r * length + i] = inputIDs[r * t + i]
                b.attentionMask[r * length + i] = attentionMask[r * t + i]
                b.segmentIDs[r * length + i] = segmentIDs[r * t + i]
            }
        }
        return b
    }
}

/// A source of whole global batches cut to one rank's contiguous share: rank r of W takes
/// rows [r·B/W, (r+1)·B/W). Every rank draws the same global batch, so this suits cheap
/// sources (`SyntheticBatchSource`); the loader deals shares itself (its `rank`/`worldSize`).
/// The state is the global source's, the same on every rank, so a run resumes at any W.
public final class RankSliceSource: BatchSource {
    let global: BatchSource
    let rank: Int, worldSize: Int

    public init(_ global: BatchSource, rank: Int, worldSize: Int) {
        self.global = global; self.rank = rank; self.worldSize = worldSize
    }

    public var vocabularySize: Int { global.vocabularySize }

    public func next() throws -> Batch {
        let b = try global.next()
        let share = (b.size + worldSize - 1) / worldSize
        return b.rows(rank * share..<min(b.size, (rank + 1) * share))
    }

    public func checkpointState() throws -> Data { try global.checkpointState() }
}

/// What the ranks tell each other about one micro-batch before its forward: where this
/// rank's rows and predictions start in the global batch, how many the global batch has,
/// and the length every share is padded to.
struct GlobalBatchShape: Equatable {
    var firstRow = 0
    var rows = 0
    var firstPrediction = 0
    var predictions = 0
    var length = 0

    /// From every rank's (rows, predictions, length), in rank order.
    init(shares: [[Int64]], rank: Int) {
        for (r, s) in shares.enumerated() {
            if r < rank { firstRow += Int(s[0]); firstPrediction += Int(s[1]) }
            rows += Int(s[0]); predictions += Int(s[1]); length = max(length, Int(s[2]))
        }
    }

    static func exchange(_ batch: Batch, predictions: Int, in group: ProcessGroup) -> GlobalBatchShape {
        let mine: [Int64] = [Int64(batch.size), Int64(predictions), Int64(batch.size > 0 ? batch.sequenceLength : 0)]
        return GlobalBatchShape(shares: group.gather(all: mine), rank: group.rank)
    }
}
