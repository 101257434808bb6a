import Foundation

/// Serialisable position in the stream; resuming from it reproduces exactly the
/// batches an uninterrupted run would have produced, in O(1).
public struct LoaderState: Sendable, Codable, Hashable {
    public var seed: UInt64
    public var epoch: Int
    public var worldSize: Int
    /// Samples of this epoch already consumed by all ranks together.
    public var globalSamplesConsumed: Int
    /// Samples in the epoch; `globalSamplesConsumed == samplesPerEpoch` means done.
    public var samplesPerEpoch: Int?
    /// Digest of everything that defines the order (dataset block sizes, weights,
    /// window); a state is refused on a dataset or configuration it was not saved for.
    public var orderFingerprint: String?

    public init(
        seed: UInt64, epoch: Int, worldSize: Int, globalSamplesConsumed: Int,
        samplesPerEpoch: Int? = nil, orderFingerprint: String? = nil
    ) {
        self.seed = seed; self.epoch = epoch; self.worldSize = worldSize
        self.globalSamplesConsumed = globalSamplesConsumed
        self.samplesPerEpoch = samplesPerEpoch; self.orderFingerprint = orderFingerprint
    }

    /// True when the state's epoch has been fully consumed.
    public var isEpochComplete: Bool { samplesPerEpoch.map { globalSamplesConsumed >= $0 } ?? false }

    /// The start of the next epoch (same seed and world size).
    public func startOfNextEpoch() -> LoaderState {
        LoaderState(
            seed: seed, epoch: epoch + 1, worldSize: worldSize, globalSamplesConsumed: 0,
            samplesPerEpoch: nil, orderFingerprint: orderFingerprint)
    }

    /// Pretty, key-sorted JSON.
    func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
    static func decode(json: Data) throws -> LoaderState {
        try JSONDecoder().decode(LoaderState.self, from: json)
    }
}
