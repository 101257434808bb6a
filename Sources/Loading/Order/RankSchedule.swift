/// How ranks share one epoch. The global stream is the epoch order from `startPosition`
/// cut into global batches of `batchSize`; rank r takes global batches r, r+W, r+2W, …
/// Shares are disjoint and complete, and differ by at most one batch. Because the stream
/// is defined once for all ranks, a position saved at world size W is a valid start at
/// any W′ (elastic resume): the remaining samples are simply re-dealt.
struct RankSchedule: Equatable {
    var sampleCount: Int
    var startPosition: Int
    var batchSize: Int
    var worldSize: Int
    var rank: Int

    /// Global batches left in the epoch.
    var globalBatchCount: Int {
        let left = max(0, sampleCount - startPosition)
        return (left + batchSize - 1) / batchSize
    }

    /// Batches this rank produces.
    var batchCount: Int {
        let g = globalBatchCount
        return g > rank ? (g - rank + worldSize - 1) / worldSize : 0
    }

    /// Epoch positions of this rank's `k`-th batch.
    func positions(ofBatch k: Int) -> Range<Int> {
        let global = k * worldSize + rank
        let lo = startPosition + global * batchSize
        return lo..<min(sampleCount, lo + batchSize)
    }

    /// Positions consumed by all ranks together once every rank has taken `k` batches.
    func consumed(afterBatches k: Int) -> Int {
        min(sampleCount, startPosition + k * worldSize * batchSize)
    }
}
