import Foundation

/// Optional length bucketing: the epoch order is cut into groups of `groupBatches` global
/// batches; inside a group the samples are sorted by length (ties by position) and cut
/// into batches, whose order inside the group is then shuffled by (seed, epoch, group).
/// Batches hold samples of similar length (less padding) while the stream stays a pure
/// function of the absolute global batch index — so resume, elastic resume and thread
/// independence hold as without bucketing (the batch size and group are part of the
/// state's fingerprint). Only full batches are shuffled; a short final batch stays last.
final class LengthBuckets: @unchecked Sendable {
    let groupBatches: Int
    let batchSize: Int
    let sampleCount: Int
    private let key: UInt64
    private let lock = NSLock()
    private var memo: [(group: Int, order: [Int])] = []

    init(groupBatches: Int, batchSize: Int, sampleCount: Int, seed: UInt64, epoch: Int) {
        self.groupBatches = groupBatches
        self.batchSize = batchSize
        self.sampleCount = sampleCount
        key = Mix.key(seed, UInt64(epoch), KeyPurpose.buckets.rawValue)
    }

    /// Epoch positions of absolute global batch `a`; `length(p)` gives a position's length.
    func positions(ofGlobalBatch a: Int, length: (Int) throws -> Int) rethrows -> ArraySlice<Int> {
        let group = a / groupBatches
        let sorted = try order(ofGroup: group, length: length)
        let full = sorted.count / batchSize
        let slot = a - group * groupBatches
        let chunk = slot < full ? IndexPermutation(count: full, key: Mix.key(key, UInt64(group)))(slot) : slot
        let lo = chunk * batchSize
        return sorted[min(lo, sorted.count)..<min(sorted.count, lo + batchSize)]
    }

    private func order(ofGroup group: Int, length: (Int) throws -> Int) rethrows -> [Int] {
        lock.lock()
        if let hit = memo.first(where: { $0.group == group }) { lock.unlock(); return hit.order }
        lock.unlock()
        let lo = group * groupBatches * batchSize
        let hi = min(sampleCount, lo + groupBatches * batchSize)
        var keyed: [(length: Int, position: Int)] = []
        keyed.reserveCapacity(max(0, hi - lo))
        for p in lo..<max(lo, hi) { keyed.append((try length(p), p)) }
        keyed.sort { ($0.length, $0.position) < ($1.length, $1.position) }
        let order = keyed.map(\.position)
        lock.lock()
        memo.append((group, order))
        if memo.count > 4 { memo.removeFirst() }
        lock.unlock()
        return order
    }
}
