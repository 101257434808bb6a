import Masking

/// How a loader reads: batch shape, order (seed, epoch, ranks, shuffle window), threads,
/// and, for document datasets or dynamic masking, how samples are built and masked.
public struct LoaderOptions: Sendable, Codable, Equatable {
    public var batchSize: Int
    public var seed: UInt64 = 0
    public var epoch: Int = 0
    public var worldSize: Int = 1
    public var rank: Int = 0
    /// nil: pad each batch to its longest row; else a fixed length.
    public var padToLength: Int? = nil
    public var maxPredictions: Int? = nil
    public var prefetchBatches: Int = 4
    public var workerThreads: Int = 2
    public var skipCorrupt: Bool = false
    /// Read units are the shards' own compressed blocks (each decompressed and
    /// verified once per epoch); a value splits them into pieces of at most this many
    /// records, for a finer shuffle at the cost of decompressing a block more than once.
    public var blockRecords: Int? = nil
    /// Blocks whose samples are shuffled together (the shuffle window).
    public var windowBlocks: Int = 8
    /// Mask on the fly with these options (stored masks are undone first).
    /// Required for document datasets; nil keeps the masks stored in instance shards.
    public var masking: MaskingOptions? = nil
    /// Vocabulary for masking and the [PAD] id; default: the manifest's vocabulary
    /// file, looked up beside the dataset when relative.
    public var vocabularyPath: String? = nil
    /// Length bucketing: sort each group of this many global batches by sample
    /// length before cutting it into batches (less padding). nil: off.
    public var bucketBatches: Int? = nil
    /// How document datasets become instances (as `prep mask`: length, pairs,
    /// short-sequence probability); the packing seed is `seed`, so it is fixed across epochs.
    public var documentInstances = InstanceOptions()
    public init(batchSize: Int) { self.batchSize = batchSize }

    private enum CodingKeys: String, CodingKey {
        case batchSize, seed, epoch, worldSize, rank, padToLength, maxPredictions, prefetchBatches, workerThreads,
            skipCorrupt, blockRecords, windowBlocks, bucketBatches, masking, vocabularyPath, documentInstances
    }

    /// Every key but `batchSize` is optional, so options saved by an older build (e.g. in a
    /// checkpoint) still decode, with today's defaults for what they lack.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(batchSize: try c.decode(Int.self, forKey: .batchSize))
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
        epoch = try c.decodeIfPresent(Int.self, forKey: .epoch) ?? epoch
        worldSize = try c.decodeIfPresent(Int.self, forKey: .worldSize) ?? worldSize
        rank = try c.decodeIfPresent(Int.self, forKey: .rank) ?? rank
        padToLength = try c.decodeIfPresent(Int.self, forKey: .padToLength)
        maxPredictions = try c.decodeIfPresent(Int.self, forKey: .maxPredictions)
        prefetchBatches = try c.decodeIfPresent(Int.self, forKey: .prefetchBatches) ?? prefetchBatches
        workerThreads = try c.decodeIfPresent(Int.self, forKey: .workerThreads) ?? workerThreads
        skipCorrupt = try c.decodeIfPresent(Bool.self, forKey: .skipCorrupt) ?? skipCorrupt
        blockRecords = try c.decodeIfPresent(Int.self, forKey: .blockRecords)
        windowBlocks = try c.decodeIfPresent(Int.self, forKey: .windowBlocks) ?? windowBlocks
        bucketBatches = try c.decodeIfPresent(Int.self, forKey: .bucketBatches)
        masking = try c.decodeIfPresent(MaskingOptions.self, forKey: .masking)
        vocabularyPath = try c.decodeIfPresent(String.self, forKey: .vocabularyPath)
        documentInstances = try c.decodeIfPresent(InstanceOptions.self, forKey: .documentInstances) ?? documentInstances
    }
}
