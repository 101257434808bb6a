import Batches
import Masking

/// Re-masks each sample on the fly: the stored masks (if any) are undone, then the
/// masker draws fresh ones from a generator keyed by (seed, epoch, sample, copy), so
/// every epoch sees different masks and any sample's masks can be recomputed alone.
struct DynamicMasking {
    var masker: Masker
    var seed: UInt64
}

/// Builds rank-local batch k: a pure function of k, so workers can build batches in any
/// order and on any number of threads and the stream stays the same.
struct BatchAssembler {
    let order: EpochOrder
    let schedule: RankSchedule
    let sources: [RecordSource]
    /// `blockStarts[s][b]`: dataset-global index of block b's first record.
    let blockStarts: [[Int]]
    let cache: BlockCache
    let epoch: Int
    let padToLength: Int?
    let maxPredictions: Int?
    let padID: Int32
    let masking: DynamicMasking?
    let buckets: LengthBuckets?

    private struct Row {
        var block: DecodedBlock
        var row: Int
        var sample: Int
        var copy: Int
    }

    /// The row at epoch position `p`, or nil when its block is corrupt and skipped.
    private func row(at p: Int) throws -> Row? {
        let (v, offset) = order.sample(at: p)
        let vb = order.layout.blocks[v]
        guard let block = try cache.block(.init(source: vb.source, block: vb.block), in: sources[vb.source]) else {
            return nil // corrupt and skipped; counted by the cache
        }
        let row = vb.first + offset
        return Row(block: block, row: row, sample: blockStarts[vb.source][vb.block] + row, copy: vb.copy)
    }

    /// Epoch positions of rank-local batch k.
    func positions(ofBatch k: Int) throws -> [Int] {
        guard let buckets else { return Array(schedule.positions(ofBatch: k)) }
        let absolute = schedule.startPosition / schedule.batchSize + k * schedule.worldSize + schedule.rank
        return Array(try buckets.positions(ofGlobalBatch: absolute) { p in
            try row(at: p).map { $0.block.length(ofRow: $0.row) } ?? 0
        })
    }

    func batch(_ k: Int) throws -> Batch {
        var rows: [Row] = []
        let positions = try positions(ofBatch: k)
        rows.reserveCapacity(positions.count)
        for p in positions {
            if let r = try row(at: p) { rows.append(r) }
        }

        // Dynamic masking: the batch's rows, re-masked, become one small block of their own,
        // so the copy below reads every row the same way (flat arrays, scratch reused).
        if let masking {
            let remasked = DecodedBlock()
            var workspace = MaskingWorkspace()
            var ids: [UInt32] = [], positions: [UInt32] = [], labels: [UInt32] = []
            for (i, r) in rows.enumerated() {
                let b = r.block, range = b.tokenStarts[r.row]..<b.tokenStarts[r.row + 1]
                ids.removeAll(keepingCapacity: true)
                ids.append(contentsOf: b.tokens[range])
                for m in b.maskStarts[r.row]..<b.maskStarts[r.row + 1] {
                    let at = Int(b.maskedPositions[m])
                    if at < ids.count { ids[at] = b.maskedLabels[m] }
                }
                var random = InstanceRandom(seed: masking.seed, streams: UInt64(epoch), UInt64(r.sample), UInt64(r.copy))
                masking.masker.mask(&ids, positions: &positions, labels: &labels, workspace: &workspace, using: &random)
                remasked.append(tokens: ids, segments: b.segments[range].lazy.map { UInt32($0) }, maskedPositions: positions,
                                maskedLabels: labels, nextSentenceLabel: b.nextSentenceLabels[r.row])
                rows[i] = Row(block: remasked, row: i, sample: r.sample, copy: r.copy)
            }
        }

        var longest = 0, mostMasks = 0
        for r in rows {
            longest = max(longest, r.block.length(ofRow: r.row))
            mostMasks = max(mostMasks, r.block.maskStarts[r.row + 1] - r.block.maskStarts[r.row])
        }
        let length = padToLength ?? longest
        let slots = maxPredictions ?? mostMasks
        if longest > length, let r = rows.first(where: { $0.block.length(ofRow: $0.row) > length }) {
            throw LoaderError.sampleTooLong(sample: r.sample, length: r.block.length(ofRow: r.row), limit: length, what: "tokens")
        }
        if mostMasks > slots {
            throw LoaderError.invalidOptions("a sample in batch \(k) has \(mostMasks) masked positions, more than max predictions \(slots)")
        }

        var batch = Batch(size: rows.count, sequenceLength: length, maxPredictions: slots)
        if padID != 0 { batch.inputIDs = Array(repeating: padID, count: rows.count * length) }
        batch.inputIDs.withUnsafeMutableBufferPointer { input in
        batch.attentionMask.withUnsafeMutableBufferPointer { attention in
        batch.segmentIDs.withUnsafeMutableBufferPointer { segment in
        batch.maskedPositions.withUnsafeMutableBufferPointer { mPos in
        batch.maskedLabels.withUnsafeMutableBufferPointer { mLab in
            for (i, r) in rows.enumerated() {
                let b = r.block
                let start = b.tokenStarts[r.row], n = b.tokenStarts[r.row + 1] - start
                let base = i * length
                for j in 0..<n {
                    input[base + j] = Int32(bitPattern: b.tokens[start + j])
                    attention[base + j] = 1
                    segment[base + j] = Int32(b.segments[start + j])
                }
                let mBase = i * slots, m0 = b.maskStarts[r.row]
                for j in 0..<(b.maskStarts[r.row + 1] - m0) {
                    mPos[mBase + j] = Int32(bitPattern: b.maskedPositions[m0 + j])
                    mLab[mBase + j] = Int32(bitPattern: b.maskedLabels[m0 + j])
                }
            }
        }}}}}
        for (i, r) in rows.enumerated() {
            batch.nextSentenceLabels[i] = Int32(r.block.nextSentenceLabels[r.row])
            batch.sampleIndices[i] = r.sample
        }
        return batch
    }
}
