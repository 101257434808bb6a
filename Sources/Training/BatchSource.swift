import Foundation
import Batches

/// Where training batches come from. The state is opaque bytes stored in checkpoints, so
/// a resumed run continues with exactly the batch an uninterrupted run would have seen.
public protocol BatchSource: AnyObject {
    var vocabularySize: Int { get }
    /// The next batch; sources that run out start their next epoch themselves.
    func next() throws -> Batch
    func checkpointState() throws -> Data
}

/// Deterministic random MLM batches for tests and benchmarks: batch k depends only on
/// (seed, k), so the state is the count of batches drawn.
public final class SyntheticBatchSource: BatchSource {
    public let vocabularySize: Int
    let batchSize: Int, length: Int, maxPredictions: Int, seed: UInt64
    /// Tokens are drawn from a small set of repeating patterns when `learnable`, so the MLM
    /// loss can fall well below log(V).
    let learnable: Bool
    private(set) var drawn = 0
    var batch: Batch

    public init(
        vocabularySize: Int, batchSize: Int, length: Int, maxPredictions: Int, seed: UInt64,
        learnable: Bool = true, resumeState: Data? = nil
    ) {
        self.vocabularySize = vocabularySize; self.batchSize = batchSize; self.length = length
        self.maxPredictions = maxPredictions; self.seed = seed; self.learnable = learnable
        batch = Batch(size: batchSize, sequenceLength: length, maxPredictions: maxPredictions)
        if let resumeState, let n = Int(String(decoding: resumeState, as: UTF8.self)) { drawn = n }
    }

    public func next() throws -> Batch {
        var rng = SplitMix64(seed: seed &+ UInt64(drawn) &* 0x9E3779B97F4A7C15)
        drawn += 1
        let t = length, v = UInt64(vocabularySize - 5)
        for r in 0..<batchSize {
            let real = t - Int(rng.next() % UInt64(max(1, t / 4)))
            // "Learnable": tokens from a skewed unigram distribution (the product of three
            // uniforms), so the MLM loss can fall well below ln(V) within a few dozen steps.
            for i in 0..<t {
                let k = r * t + i
                let tok =
                    learnable
                    ? UInt32(5 + (rng.next() % v) * (rng.next() % v) * (rng.next() % v) / (v * v))
                    : UInt32(5 + rng.next() % v)
                batch.inputIDs[k] = i < real ? tok : 0
                batch.attentionMask[k] = i < real ? 1 : 0
                batch.segmentIDs[k] = i < real && i >= real / 2 ? 1 : 0
            }
            var positions = Set<Int>()
            let want = min(maxPredictions, max(1, real * 15 / 100))
            while positions.count < want { positions.insert(1 + Int(rng.next() % UInt64(real - 1))) }
            let sorted = positions.sorted()
            for k in 0..<maxPredictions {
                let slot = r * maxPredictions + k
                if k < sorted.count {
                    let p = sorted[k]
                    batch.maskedPositions[slot] = UInt32(p)
                    batch.maskedLabels[slot] = batch.inputIDs[r * t + p]
                    batch.inputIDs[r * t + p] = 3  // [MASK]
                } else {
                    batch.maskedPositions[slot] = 0
                    batch.maskedLabels[slot] = Batch.noLabel
                }
            }
            batch.sampleIndices[r] = (drawn - 1) * batchSize + r
        }
        return batch
    }

    public func checkpointState() throws -> Data { Data(String(drawn).utf8) }
}
