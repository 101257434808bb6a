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
    let padID: UInt32
    let masking: DynamicMasking?
    let buckets: LengthBuckets?

    private struct Row {
        var block: SampleBlock
        var row: Int
        var sample: Int
        var copy: Int
        var length: Int { block.length(ofRow: row) }
    }

    /// The row at epoch position `p`, or nil when its block is corrupt and skipped.
    private func row(at p: Int) throws -> Row? {
        let (v, offset) = order.sample(at: p)
        let vb = order.layout.blocks[v]
        guard let block = try cache.block(.init(source: vb.source, block: vb.block), in: sources[vb.source]) else {
            return nil  // corrupt and skipped; counted by the cache
        }
        let row = vb.first + offset
        return Row(block: block, row: row, sample: blockStarts[vb.source][vb.block] + row, copy: vb.copy)
    }

    /// Epoch positions of rank-local batch k.
    func positions(ofBatch k: Int) throws -> [Int] {
        guard let buckets else { return Array(schedule.positions(ofBatch: k)) }
        let absolute = schedule.startPosition / schedule.batchSize + k * schedule.worldSize + schedule.rank
        return Array(try buckets.positions(ofGlobalBatch: absolute) { p in try row(at: p)?.length ?? 0 })
    }

    /// Each row is written once, from its block straight into the batch; dynamic masking
    /// then works on the batch row in place.
    func batch(_ k: Int) throws -> Batch {
        var rows: [Row] = []
        let positions = try positions(ofBatch: k)
        rows.reserveCapacity(positions.count)
        for p in positions {
            if let r = try row(at: p) { rows.append(r) }
        }
        let longest = rows.reduce(0) { max($0, $1.length) }
        let length = padToLength ?? longest
        if longest > length, let r = rows.first(where: { $0.length > length }) {
            throw LoaderError.sampleTooLong(sample: r.sample, length: r.length, limit: length, what: "tokens")
        }
        var batch = Batch(size: rows.count, sequenceLength: length, maxPredictions: 0)
        if padID != 0 { batch.inputIDs = Array(repeating: padID, count: rows.count * length) }
        for (i, r) in rows.enumerated() {
            batch.nextSentenceLabels[i] = r.block.nextSentenceLabel(ofRow: r.row)
            batch.sampleIndices[i] = r.sample
        }
        if let masking {
            let drawn = write(rows, into: &batch, remasking: masking)
            try place(drawn, into: &batch, batch: k)
        } else {
            try setSlots(of: &batch, mostMasks: rows.reduce(0) { max($0, $1.block.maskCount(ofRow: $1.row)) }, batch: k)
            write(rows, into: &batch)
        }
        return batch
    }

    /// Sizes the batch's masked slots for rows of at most `mostMasks` masks.
    private func setSlots(of batch: inout Batch, mostMasks: Int, batch k: Int) throws {
        let slots = maxPredictions ?? mostMasks
        if mostMasks > slots {
            throw LoaderError.invalidOptions(
                "a sample in batch \(k) has \(mostMasks) masked positions, more than max predictions \(slots)")
        }
        batch.maxPredictions = slots
        batch.maskedPositions = Array(repeating: 0, count: batch.size * slots)
        batch.maskedLabels = Array(repeating: Batch.noLabel, count: batch.size * slots)
    }

    /// Writes every row's tokens, segments and attention into `batch`, and its stored masks
    /// into its slots, or, with `scratch`, there: dynamic masking needs a row's stored masks
    /// only in `written`, which runs after each row with the row's tokens.
    private func write(
        _ rows: [Row], into batch: inout Batch,
        storedMasksTo scratch: (positions: UnsafeMutablePointer<UInt32>, labels: UnsafeMutablePointer<UInt32>)? = nil,
        written: (_ row: Int, _ tokens: UnsafeMutableBufferPointer<UInt32>) -> Void = { _, _ in }
    ) {
        let length = batch.sequenceLength, slots = batch.maxPredictions
        batch.inputIDs.withUnsafeMutableBufferPointer { input in
            batch.segmentIDs.withUnsafeMutableBufferPointer { segment in
                batch.attentionMask.withUnsafeMutableBufferPointer { attention in
                    batch.maskedPositions.withUnsafeMutableBufferPointer { positions in
                        batch.maskedLabels.withUnsafeMutableBufferPointer { labels in
                            for (i, r) in rows.enumerated() {
                                let base = i * length
                                r.block.write(
                                    row: r.row,
                                    into: BatchRow(
                                        tokens: input.baseAddress! + base, segments: segment.baseAddress! + base,
                                        maskedPositions: scratch?.positions ?? positions.baseAddress! + i * slots,
                                        maskedLabels: scratch?.labels ?? labels.baseAddress! + i * slots))
                                (attention.baseAddress! + base).update(repeating: 1, count: r.length)
                                written(
                                    i, UnsafeMutableBufferPointer(start: input.baseAddress! + base, count: r.length))
                            }
                        }
                    }
                }
            }
        }
    }

    /// The masks dynamic masking drew for a batch's rows, until the batch's slots are sized.
    private struct DrawnMasks {
        var positions: [UInt32] = []
        var labels: [UInt32] = []
        var ends: [Int] = []
    }

    /// Writes the rows, undoes their stored masks in the batch row and masks it afresh with a
    /// generator keyed by (seed, epoch, sample, copy).
    private func write(_ rows: [Row], into batch: inout Batch, remasking masking: DynamicMasking) -> DrawnMasks {
        let mostStored = rows.reduce(0) { max($0, $1.block.maskCount(ofRow: $1.row)) }
        var storedPositions = [UInt32](repeating: 0, count: mostStored), storedLabels = storedPositions
        var drawn = DrawnMasks()
        var workspace = MaskingWorkspace()
        storedPositions.withUnsafeMutableBufferPointer { sp in
            storedLabels.withUnsafeMutableBufferPointer { sl in
                write(rows, into: &batch, storedMasksTo: (sp.baseAddress!, sl.baseAddress!)) { i, ids in
                    let r = rows[i]
                    for m in 0..<r.block.maskCount(ofRow: r.row) where Int(sp[m]) < ids.count {
                        ids[Int(sp[m])] = sl[m]
                    }
                    var random = InstanceRandom(
                        seed: masking.seed, streams: UInt64(epoch), UInt64(r.sample), UInt64(r.copy))
                    masking.masker.mask(ids, workspace: &workspace, using: &random) { positions, labels in
                        drawn.positions.append(contentsOf: positions)
                        drawn.labels.append(contentsOf: labels)
                    }
                    drawn.ends.append(drawn.positions.count)
                }
            }
        }
        return drawn
    }

    /// Sizes the slots for the drawn masks and copies them in.
    private func place(_ drawn: DrawnMasks, into batch: inout Batch, batch k: Int) throws {
        var mostMasks = 0, start = 0
        for end in drawn.ends { mostMasks = max(mostMasks, end - start); start = end }
        try setSlots(of: &batch, mostMasks: mostMasks, batch: k)
        start = 0
        for (i, end) in drawn.ends.enumerated() {
            let slot = i * batch.maxPredictions
            batch.maskedPositions.replaceSubrange(slot..<(slot + end - start), with: drawn.positions[start..<end])
            batch.maskedLabels.replaceSubrange(slot..<(slot + end - start), with: drawn.labels[start..<end])
            start = end
        }
    }
}
