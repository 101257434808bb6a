// CONTRACT STUB (owned by the loader helper): what the trainer and `prep stream` use.
import Shards
import Masking

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
    public init(batchSize: Int) { self.batchSize = batchSize }
}

/// Serialisable position in the stream; resuming from it reproduces exactly the
/// batches an uninterrupted run would have produced, in O(1).
public struct LoaderState: Sendable, Codable, Equatable {
    public var seed: UInt64
    public var epoch: Int
    public var worldSize: Int
    /// Samples of this epoch already consumed by all ranks together.
    public var globalSamplesConsumed: Int
}

public final class StreamingLoader {
    /// `directories`: one or more datasets (with optional mixing `weights`).
    public init(directories: [String], weights: [Double]? = nil, options: LoaderOptions,
                resumeFrom state: LoaderState? = nil) throws { fatalError("stub") }
    public var vocabularySize: Int { fatalError("stub") }
    /// The next batch of this rank, or nil at the end of the epoch.
    public func next() throws -> Batch? { fatalError("stub") }
    public var state: LoaderState { fatalError("stub") }
}
