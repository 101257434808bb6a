/// What a manifest records about one finished shard.
public struct ShardSummary: Sendable, Equatable, Codable {
    public var file: String  // name relative to the dataset directory
    public var records: Int
    public var bytes: Int
    public var xxh64: String  // hex of the whole file's XXH64
    /// `ShardReader.checksumDigest` of the shard (format version 2 on): every reader compares
    /// it on open, so a shard from elsewhere is refused without hashing the whole file.
    public var checksumDigest: String?

    public init(file: String, records: Int, bytes: Int, xxh64: String, checksumDigest: String? = nil) {
        self.file = file; self.records = records; self.bytes = bytes; self.xxh64 = xxh64
        self.checksumDigest = checksumDigest
    }
}
