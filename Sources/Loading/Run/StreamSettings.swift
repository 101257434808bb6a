import Foundation
import Masking

/// The settings of one rank's stream as `prep stream` spells them (one field per option),
/// turned into `LoaderOptions` and a resume position in one place, so the command line and
/// the C ABI (`drbert_data`, JSON with these keys) cannot drift apart.
public struct StreamSettings: Sendable, Equatable {
    public var directories: [String]
    public var weights: [Double]? = nil
    public var batchSize: Int
    /// nil: 0, or the resume state's.
    public var seed: UInt64? = nil
    /// nil: 0, or the resume state's (the next epoch when that one is complete).
    public var epoch: Int? = nil
    /// nil: 1, or the resume state's.
    public var worldSize: Int? = nil
    public var rank = 0
    public var padTo: Int? = nil
    public var maxPredictions: Int? = nil
    /// nil: all cores. The output does not depend on it.
    public var threads: Int? = nil
    public var prefetch = 4
    public var windowBlocks = 8
    public var blockRecords: Int? = nil
    public var bucketBatches: Int? = nil
    public var skipCorrupt = false
    public var mask: MaskingStrategy? = nil
    public var maskedLmProb = 0.15
    public var vocab: String? = nil
    public var maxSeqLength = 128
    public var pairs = SentencePairing.none
    public var shortSeqProb = 0.1

    public init(directories: [String], batchSize: Int) {
        self.directories = directories
        self.batchSize = batchSize
    }

    /// What to open: the loader options and the position to start from.
    public struct Resolved: Sendable {
        public var options: LoaderOptions
        public var resumeFrom: LoaderState?
        /// Set when the saved state's epoch was complete and the stream moves on to the next
        /// (the caller tells the user, as `prep stream` does on stderr).
        public var continuedWithEpoch: Int?
    }

    /// Checks the values no lower layer checks before using them, and resolves seed, epoch
    /// and world size against `state` (explicit settings win; a complete epoch moves on).
    public func resolve(resumingFrom state: LoaderState? = nil) throws -> Resolved {
        try validate()
        var state = state
        var continued: Int? = nil
        if var s = state {
            if s.isEpochComplete && epoch == nil {
                s = s.startOfNextEpoch()
                continued = s.epoch
            }
            if let seed { s.seed = seed }
            if let epoch { s.epoch = epoch }
            state = s
        }
        var options = LoaderOptions(batchSize: batchSize)
        options.seed = state?.seed ?? seed ?? 0
        options.epoch = state?.epoch ?? epoch ?? 0
        options.worldSize = worldSize ?? state?.worldSize ?? 1
        options.rank = rank
        options.padToLength = padTo
        options.maxPredictions = maxPredictions
        options.workerThreads = threads ?? min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 256)
        options.prefetchBatches = prefetch
        options.windowBlocks = windowBlocks
        options.blockRecords = blockRecords
        options.skipCorrupt = skipCorrupt
        options.bucketBatches = bucketBatches
        options.vocabularyPath = vocab
        options.documentInstances.maxSequenceLength = maxSeqLength
        options.documentInstances.pairing = pairs
        options.documentInstances.shortSequenceProbability = shortSeqProb
        if let mask {
            var m = MaskingOptions()
            m.strategy = mask
            m.maskedLMProbability = maskedLmProb
            m.maxPredictions = maxPredictions ?? Int((0.15 * Double(maxSeqLength)).rounded())
            options.masking = m
        }
        return Resolved(options: options, resumeFrom: state, continuedWithEpoch: continued)
    }

    /// Opens the stream these settings describe.
    public func open(resumingFrom state: LoaderState? = nil) throws -> (StreamingLoader, Resolved) {
        let resolved = try resolve(resumingFrom: state)
        let loader = try StreamingLoader(
            directories: directories, weights: weights, options: resolved.options, resumeFrom: resolved.resumeFrom)
        return (loader, resolved)
    }

    private func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw LoaderError.invalidOptions(message) }
        }
        try check(!directories.isEmpty, "no dataset directory given")
        try check(batchSize >= 1, "batch size must be at least 1")
        try check((worldSize ?? 1) >= 1, "world size must be at least 1")
        try check(rank >= 0, "rank must be non-negative")
        try check((epoch ?? 0) >= 0, "epoch must be non-negative")
        try check(
            (threads ?? 0) >= 0 && prefetch >= 1 && windowBlocks >= 1,
            "threads must be ≥ 0, prefetch and window blocks ≥ 1")
        try check((blockRecords ?? 1) >= 1, "block records must be at least 1")
        try check((bucketBatches ?? 1) >= 1, "bucket batches must be at least 1")
        // Upper bounds too: a host process calling through the C ABI must get an error, not
        // an allocation, thread count or position overflow that takes it down.
        try check(batchSize <= 1 << 30 && (worldSize ?? 1) <= 1 << 20, "batch size or world size is too large")
        try check((threads ?? 0) <= 1024 && prefetch <= 1 << 16, "threads must be ≤ 1024 and prefetch ≤ 65536")
        try check((1...(1 << 20)).contains(padTo ?? 1), "pad-to must be in 1...1048576")
        try check((0...(1 << 20)).contains(maxPredictions ?? 0), "max predictions must be in 0...1048576")
        try check(maxSeqLength <= 1 << 20, "max sequence length must be at most 1048576")
        try check(maxSeqLength >= 4, "max sequence length must be at least 4")
        try check((0...1).contains(maskedLmProb), "masked-LM probability must be in 0...1")
        try check((0...1).contains(shortSeqProb), "short-sequence probability must be in 0...1")
        if let weights {
            try check(
                weights.count == directories.count && weights.allSatisfy { $0 >= 0 && $0.isFinite },
                "weights need \(directories.count) non-negative numbers, one per dataset")
        }
    }
}
