// CONTRACT (owned by the loader helper): what the trainer and `prep stream` use.
// Additions over the first stub are marked "added"; the original signatures are kept.
import Batches
import Foundation
import Shards
import Masking
import Tokenization

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
    /// (added) Read units are the shards' own compressed blocks (each decompressed and
    /// verified once per epoch); a value splits them into pieces of at most this many
    /// records, for a finer shuffle at the cost of decompressing a block more than once.
    public var blockRecords: Int? = nil
    /// (added) Blocks whose samples are shuffled together (the shuffle window).
    public var windowBlocks: Int = 8
    /// (added) Mask on the fly with these options (stored masks are undone first).
    /// Required for document datasets; nil keeps the masks stored in instance shards.
    public var masking: MaskingOptions? = nil
    /// (added) Vocabulary for masking and the [PAD] id; default: the manifest's vocabulary
    /// file, looked up beside the dataset when relative.
    public var vocabularyPath: String? = nil
    /// (added) Length bucketing: sort each group of this many global batches by sample
    /// length before cutting it into batches (less padding). nil: off.
    public var bucketBatches: Int? = nil
    /// (added) How document datasets become instances (as `prep mask`: length, pairs,
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

/// Serialisable position in the stream; resuming from it reproduces exactly the
/// batches an uninterrupted run would have produced, in O(1).
public struct LoaderState: Sendable, Codable, Hashable {
    public var seed: UInt64
    public var epoch: Int
    public var worldSize: Int
    /// Samples of this epoch already consumed by all ranks together.
    public var globalSamplesConsumed: Int
    /// (added) Samples in the epoch; `globalSamplesConsumed == samplesPerEpoch` means done.
    public var samplesPerEpoch: Int?
    /// (added) Digest of everything that defines the order (dataset block sizes, weights,
    /// window); a state is refused on a dataset or configuration it was not saved for.
    public var orderFingerprint: String?

    public init(seed: UInt64, epoch: Int, worldSize: Int, globalSamplesConsumed: Int,
                samplesPerEpoch: Int? = nil, orderFingerprint: String? = nil) {
        self.seed = seed; self.epoch = epoch; self.worldSize = worldSize
        self.globalSamplesConsumed = globalSamplesConsumed
        self.samplesPerEpoch = samplesPerEpoch; self.orderFingerprint = orderFingerprint
    }

    /// (added) True when the state's epoch has been fully consumed.
    public var isEpochComplete: Bool { samplesPerEpoch.map { globalSamplesConsumed >= $0 } ?? false }

    /// (added) The start of the next epoch (same seed and world size).
    public func startOfNextEpoch() -> LoaderState {
        LoaderState(seed: seed, epoch: epoch + 1, worldSize: worldSize, globalSamplesConsumed: 0,
                    samplesPerEpoch: nil, orderFingerprint: orderFingerprint)
    }

    /// (added) Pretty, key-sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
    public static func decode(json: Data) throws -> LoaderState {
        try JSONDecoder().decode(LoaderState.self, from: json)
    }
}

/// (added) Counters for `--bench` and `--skip-corrupt` reports.
public struct LoaderStatistics: Sendable, Equatable {
    public var blocksDecoded: Int
    public var tokensDecoded: Int
    /// "<shard> records a..<b: <reason>" for each block skipped as corrupt.
    public var corruptBlocks: [String]
    public var samplesSkipped: Int
}

public final class StreamingLoader {
    private let options: LoaderOptions
    private let engine: LoaderEngine
    private var delivered = 0
    private var skipped = 0
    /// (added) The vocabulary, when one was needed (masking) or found.
    public let vocabulary: Vocabulary?
    private let vocabSize: Int

    /// `directories`: one or more datasets (with optional mixing `weights`).
    /// Resuming takes seed and epoch from `state`; world size and rank come from
    /// `options`, so a state saved at world size W resumes at any W′.
    public init(directories: [String], weights: [Double]? = nil, options: LoaderOptions,
                resumeFrom state: LoaderState? = nil) throws {
        guard !directories.isEmpty else { throw LoaderError.invalidOptions("no dataset directory given") }
        let opened = try OpenedDatasets(directories: directories, options: options)
        vocabulary = opened.vocabulary
        vocabSize = opened.vocabularySize
        self.options = options
        engine = try LoaderEngine(sources: opened.sources, weights: weights, options: options,
                                  resumeFrom: state, padID: opened.padID, masker: opened.masker)
    }

    /// For tests: any record sources.
    init(sources: [RecordSource], weights: [Double]? = nil, options: LoaderOptions,
         resumeFrom state: LoaderState? = nil, masker: Masker? = nil) throws {
        vocabulary = nil
        vocabSize = 0
        self.options = options
        engine = try LoaderEngine(sources: sources, weights: weights, options: options,
                                  resumeFrom: state, padID: 0, masker: masker)
    }

    deinit { engine.prefetcher.stop() }

    var engineForTests: LoaderEngine { engine }

    public var vocabularySize: Int { vocabSize }

    /// The next batch of this rank, or nil at the end of the epoch.
    public func next() throws -> Batch? {
        guard let batch = try engine.prefetcher.next() else { return nil }
        delivered += 1
        skipped += try engine.assembler.positions(ofBatch: delivered - 1).count - batch.size
        return batch
    }

    public var state: LoaderState {
        LoaderState(seed: engine.seed, epoch: engine.epoch, worldSize: options.worldSize,
                    globalSamplesConsumed: engine.schedule.consumed(afterBatches: delivered),
                    samplesPerEpoch: engine.order.count, orderFingerprint: engine.fingerprint)
    }

    /// (added) Samples in one epoch over all ranks.
    public var samplesPerEpoch: Int { engine.order.count }
    /// (added) Batches this rank delivers from where it started to the end of the epoch.
    public var batchCount: Int { engine.schedule.batchCount }
    /// (added)
    public var statistics: LoaderStatistics {
        let s = engine.cache.statistics
        return LoaderStatistics(blocksDecoded: s.blocks, tokensDecoded: s.tokens, corruptBlocks: s.corrupt,
                                samplesSkipped: skipped)
    }
}
