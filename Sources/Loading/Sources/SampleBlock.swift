/// A dataset of records grouped in blocks: all the loader's ordering, sharding and
/// resume logic needs is the block sizes, so it is tested against in-memory sources and
/// runs unchanged over shards.
protocol RecordSource: AnyObject {
    /// Records in each block, in dataset order (a record's dataset index is the sum of the
    /// sizes before its block plus its offset).
    var blockSizes: [Int] { get }
    /// Reads and verifies one block. Called from several worker threads at once.
    func read(block: Int) throws -> SampleBlock
    /// Human-readable name of block `b` for errors ("shard-00003.drs block 12").
    func describe(block: Int) -> String
}

/// The samples of one block as the block cache keeps them while their window is read, in
/// whatever form the source has them (decompressed shard bytes, built instances). Each row
/// is written from there straight into its batch row: that write is the sample's one copy.
protocol SampleBlock: AnyObject, Sendable {
    var count: Int { get }
    /// Tokens of all rows (the loader's statistics).
    var tokenCount: Int { get }
    func length(ofRow i: Int) -> Int
    /// Masked positions stored with row `i`.
    func maskCount(ofRow i: Int) -> Int
    /// Writes row `i` into `row`: `length(ofRow: i)` token ids and segment ids (the segment
    /// ids arrive zeroed), and its `maskCount(ofRow: i)` stored masked positions and labels.
    func write(row i: Int, into row: BatchRow)
    /// 0 or 1 (see `Batch.nextSentenceLabels`), or `Batch.noLabel` without a pair.
    func nextSentenceLabel(ofRow i: Int) -> UInt32
}

/// Where one sample goes in a batch (or, for its masks, in a scratch area).
struct BatchRow {
    var tokens: UnsafeMutablePointer<UInt32>
    var segments: UnsafeMutablePointer<UInt32>
    var maskedPositions: UnsafeMutablePointer<UInt32>
    var maskedLabels: UnsafeMutablePointer<UInt32>

    /// Segment ids 1 from token `segmentBStart` of the row's `count` on (the shards' layout
    /// 2 and `InstanceBatch` store only where segment B starts).
    func markSegmentB(from segmentBStart: Int, count: Int) {
        let b = min(max(segmentBStart, 0), count)
        (segments + b).update(repeating: 1, count: count - b)
    }
}
