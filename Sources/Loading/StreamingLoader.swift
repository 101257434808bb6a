import Batches
import Masking

/// Counters for `--bench` and `--skip-corrupt` reports.
public struct LoaderStatistics: Sendable, Equatable {
    public var blocksDecoded: Int
    public var tokensDecoded: Int
    /// "<shard> records a..<b: <reason>" for each block skipped as corrupt.
    public var corruptBlocks: [String]
    public var samplesSkipped: Int
}

/// One rank's stream of batches over one or more datasets, for one epoch: a deterministic
/// shuffle of (seed, epoch), resumable exactly from its `state`.
public final class StreamingLoader {
    private let options: LoaderOptions
    private let engine: LoaderEngine
    private var delivered = 0
    private var skipped = 0
    private let vocabSize: Int

    /// `directories`: one or more datasets (with optional mixing `weights`).
    /// Resuming takes seed and epoch from `state`; world size and rank come from
    /// `options`, so a state saved at world size W resumes at any W′.
    public init(
        directories: [String], weights: [Double]? = nil, options: LoaderOptions,
        resumeFrom state: LoaderState? = nil
    ) throws {
        guard !directories.isEmpty else { throw LoaderError.invalidOptions("no dataset directory given") }
        let opened = try OpenedDatasets(directories: directories, options: options)
        vocabSize = opened.vocabularySize
        self.options = options
        engine = try LoaderEngine(
            sources: opened.sources, weights: weights, options: options,
            resumeFrom: state, padID: opened.padID, masker: opened.masker)
    }

    /// For tests: any record sources.
    init(
        sources: [RecordSource], weights: [Double]? = nil, options: LoaderOptions,
        resumeFrom state: LoaderState? = nil, masker: Masker? = nil
    ) throws {
        vocabSize = 0
        self.options = options
        engine = try LoaderEngine(
            sources: sources, weights: weights, options: options,
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

    public var state: LoaderState { state(afterBatches: delivered) }

    /// The state once every rank has taken `batches` batches from where this loader started
    /// (ranks save in lockstep), without reading them: what a consumer that counts batches
    /// delivered elsewhere (e.g. by DataLoader workers) saves.
    public func state(afterBatches batches: Int) -> LoaderState {
        LoaderState(
            seed: engine.seed, epoch: engine.epoch, worldSize: options.worldSize,
            globalSamplesConsumed: engine.schedule.consumed(afterBatches: max(0, batches)),
            samplesPerEpoch: engine.order.count, orderFingerprint: engine.fingerprint)
    }

    /// Samples in one epoch over all ranks.
    public var samplesPerEpoch: Int { engine.order.count }
    /// Batches this rank delivers from where it started to the end of the epoch.
    public var batchCount: Int { engine.schedule.batchCount }
    var statistics: LoaderStatistics {
        let s = engine.cache.statistics
        return LoaderStatistics(
            blocksDecoded: s.blocks, tokensDecoded: s.tokens, corruptBlocks: s.corrupt,
            samplesSkipped: skipped)
    }
}
