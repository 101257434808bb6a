/// `manifest.json`: written last, atomically; its presence marks a complete dataset.
/// Encoded with snake_case keys (`format_version`, `total_records`, …) and sorted keys, and
/// sealed by `manifest_sha256` (see `Dataset.writeManifest`).
public struct DatasetManifest: Codable, Sendable, Equatable {
    /// Version of the dataset layout. 2: the manifest carries `manifest_sha256` and each shard
    /// entry its `checksum_digest` (shard files are unchanged: shard format 1). Version 1
    /// datasets are refused with a message naming the version.
    public static let currentFormatVersion = 2

    public var formatVersion: Int
    public var kind: String  // "documents" | "instances"
    public var schema: ShardSchema
    public var config: [String: String]  // producing command's settings
    public var vocab: VocabularyIdentity
    public var shards: [ShardSummary]
    public var totalRecords: Int { shards.reduce(0) { $0 + $1.records } }
    public init(
        formatVersion: Int, kind: String, schema: ShardSchema, config: [String: String],
        vocab: VocabularyIdentity, shards: [ShardSummary]
    ) {
        self.formatVersion = formatVersion; self.kind = kind; self.schema = schema
        self.config = config; self.vocab = vocab; self.shards = shards
    }

    private enum CodingKeys: String, CodingKey {
        case formatVersion, kind, schema, config, vocab, shards, totalRecords, manifestSha256
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        kind = try c.decode(String.self, forKey: .kind)
        schema = try c.decode(ShardSchema.self, forKey: .schema)
        config = try c.decode([String: String].self, forKey: .config)
        vocab = try c.decode(VocabularyIdentity.self, forKey: .vocab)
        shards = try c.decode([ShardSummary].self, forKey: .shards)
        statedTotalRecords = try c.decodeIfPresent(Int.self, forKey: .totalRecords)
        statedDigest = try c.decodeIfPresent(String.self, forKey: .manifestSha256)
    }

    /// `total_records` as the file states it (nil when written by this type, which recomputes
    /// it): `prep verify` checks it against the shards.
    public private(set) var statedTotalRecords: Int?
    /// `manifest_sha256` as the file states it; checked by `Dataset.readManifest`.
    var statedDigest: String?

    public static func == (a: DatasetManifest, b: DatasetManifest) -> Bool {
        a.formatVersion == b.formatVersion && a.kind == b.kind && a.schema == b.schema && a.config == b.config
            && a.vocab == b.vocab && a.shards == b.shards
    }

    /// Also writes `total_records`, for people reading the file (checked by `verify`), and a
    /// zero placeholder `manifest_sha256` that `Dataset.writeManifest` replaces.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(formatVersion, forKey: .formatVersion)
        try c.encode(kind, forKey: .kind)
        try c.encode(schema, forKey: .schema)
        try c.encode(config, forKey: .config)
        try c.encode(vocab, forKey: .vocab)
        try c.encode(shards, forKey: .shards)
        try c.encode(totalRecords, forKey: .totalRecords)
        try c.encode(String(repeating: "0", count: 64), forKey: .manifestSha256)
    }
}

public struct VocabularyIdentity: Codable, Sendable, Equatable {
    public var file: String
    public var size: Int
    public var sha256: String
    public init(file: String, size: Int, sha256: String) { self.file = file; self.size = size; self.sha256 = sha256 }
}

extension ShardElementType: CustomStringConvertible {
    public var description: String {
        switch self {
        case .uint8: return "uint8"
        case .uint16: return "uint16"
        case .uint32: return "uint32"
        case .int32: return "int32"
        }
    }

    init?(name: String) {
        switch name {
        case "uint8": self = .uint8
        case "uint16": self = .uint16
        case "uint32": self = .uint32
        case "int32": self = .int32
        default: return nil
        }
    }

    /// Manifests spell element types by name ("uint16"), not by their tag byte.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let name = try c.decode(String.self)
        guard let t = ShardElementType(name: name) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "unknown element type '\(name)'")
        }
        self = t
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
