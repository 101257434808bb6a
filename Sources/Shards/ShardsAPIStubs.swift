// CONTRACT STUB — replaced by the real implementation (same public signatures).
import Foundation

public enum ShardError: Error, CustomStringConvertible {
    /// Every message names the file and the position (block / record / byte offset).
    case corrupt(path: String, detail: String)
    case io(path: String, detail: String)
    case schemaMismatch(path: String, detail: String)
    public var description: String {
        switch self {
        case let .corrupt(p, d): return "\(p): corrupt shard: \(d)"
        case let .io(p, d): return "\(p): \(d)"
        case let .schemaMismatch(p, d): return "\(p): schema mismatch: \(d)"
        }
    }
}

/// Appends records to a new shard. Bytes go to a temporary name beside `path`;
/// `finish()` writes index and footer, fsyncs and renames into place, so a shard
/// that exists under its final name is always complete.
public final class ShardWriter {
    public init(path: String, schema: ShardSchema, metadata: [String: String] = [:],
                targetBlockBytes: Int = 1 << 20, compressionLevel: Int = 3) throws { fatalError("stub") }
    public func append(_ record: ShardRecord) throws { fatalError("stub") }
    public var recordCount: Int { fatalError("stub") }
    /// Returns the summary the manifest records for this shard.
    public func finish() throws -> ShardSummary { fatalError("stub") }
    /// Removes the temporary file (on error or cancellation).
    public func abandon() { fatalError("stub") }
}

public struct ShardSummary: Sendable, Equatable, Codable {
    public var file: String        // name relative to the dataset directory
    public var records: Int
    public var bytes: Int
    public var xxh64: String       // hex of the whole file's XXH64
}

/// Random access to records; checks header, index and footer checksums on open and
/// each block's checksum when the block is first decompressed.
public final class ShardReader {
    public init(path: String) throws { fatalError("stub") }
    public var schema: ShardSchema { fatalError("stub") }
    public var metadata: [String: String] { fatalError("stub") }
    public var recordCount: Int { fatalError("stub") }
    public func read(_ index: Int, into record: inout ShardRecord) throws { fatalError("stub") }
}

/// `manifest.json`: written last, atomically; its presence marks a complete dataset.
public struct DatasetManifest: Codable, Sendable, Equatable {
    public var formatVersion: Int
    public var kind: String                 // "documents" | "instances"
    public var schema: ShardSchema
    public var config: [String: String]     // producing command's settings
    public var vocab: VocabularyIdentity
    public var shards: [ShardSummary]
    public var totalRecords: Int { shards.reduce(0) { $0 + $1.records } }
    public init(formatVersion: Int, kind: String, schema: ShardSchema, config: [String: String],
                vocab: VocabularyIdentity, shards: [ShardSummary]) {
        self.formatVersion = formatVersion; self.kind = kind; self.schema = schema
        self.config = config; self.vocab = vocab; self.shards = shards
    }
}

public struct VocabularyIdentity: Codable, Sendable, Equatable {
    public var file: String
    public var size: Int
    public var sha256: String
    public init(file: String, size: Int, sha256: String) { self.file = file; self.size = size; self.sha256 = sha256 }
}

public enum Dataset {
    public static let manifestName = "manifest.json"
    public static func writeManifest(_ m: DatasetManifest, to directory: String) throws { fatalError("stub") }
    public static func readManifest(in directory: String) throws -> DatasetManifest { fatalError("stub") }
}

/// Column layout of `prep tokenize` output: one record per document.
public enum DocumentSchema {
    /// `token_ids`: the document's tokens, sentences concatenated (no special tokens);
    /// `sentence_lengths`: token count of each sentence, in order.
    public static func make(vocabularySize: Int) -> ShardSchema {
        ShardSchema([ShardField("token_ids", .tokenIDs(vocabularySize: vocabularySize)),
                     ShardField("sentence_lengths", .uint32)])
    }
}

/// Column layout of `prep mask` output: one record per pretraining instance.
public enum InstanceSchema {
    /// `masked_positions` ascending; `next_sentence_label` holds 0 values when pairs
    /// are off, else one value (0 = B follows A / in order, 1 = random / swapped).
    public static func make(vocabularySize: Int) -> ShardSchema {
        let ids = ShardElementType.tokenIDs(vocabularySize: vocabularySize)
        return ShardSchema([ShardField("input_ids", ids), ShardField("segment_ids", .uint8),
                            ShardField("masked_positions", .uint16), ShardField("masked_labels", ids),
                            ShardField("next_sentence_label", .uint8)])
    }
}
