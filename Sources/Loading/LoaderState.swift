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

    private enum CodingKeys: String, CodingKey {
        case seed, epoch, worldSize, globalSamplesConsumed, samplesPerEpoch, orderFingerprint
    }

    /// Decodes and checks the state: a position the epoch cannot hold is refused here, not
    /// read as "epoch complete" (which would start the next epoch on a damaged file).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            seed: try c.decode(UInt64.self, forKey: .seed), epoch: try c.decode(Int.self, forKey: .epoch),
            worldSize: try c.decode(Int.self, forKey: .worldSize),
            globalSamplesConsumed: try c.decode(Int.self, forKey: .globalSamplesConsumed),
            samplesPerEpoch: try c.decodeIfPresent(Int.self, forKey: .samplesPerEpoch),
            orderFingerprint: try c.decodeIfPresent(String.self, forKey: .orderFingerprint))
        try validate()
    }

    /// Refuses values no loader writes: negative counts, no ranks, more samples consumed
    /// than the epoch has.
    func validate() throws {
        guard epoch >= 0 else { throw LoaderError.stateMismatch("epoch \(epoch) is negative") }
        guard worldSize >= 1 else { throw LoaderError.stateMismatch("world size \(worldSize) is below 1") }
        guard globalSamplesConsumed >= 0 else {
            throw LoaderError.stateMismatch("samples consumed \(globalSamplesConsumed) is negative")
        }
        if let n = samplesPerEpoch {
            guard n >= 0 else { throw LoaderError.stateMismatch("samples per epoch \(n) is negative") }
            guard globalSamplesConsumed <= n else {
                throw LoaderError.stateMismatch(
                    "\(globalSamplesConsumed) samples consumed of an epoch of \(n) (the state is damaged)")
            }
        }
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
