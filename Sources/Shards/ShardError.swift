import Foundation

/// Errors of the shard container. Every message names the file and the position
/// (byte offset, block number, record index) so that a failed run points at the damage.
public enum ShardError: Error, CustomStringConvertible {
    /// The bytes on disk are not a valid shard (checksum mismatch, truncation, bad structure).
    case corrupt(path: String, detail: String)
    /// The operating system refused a read or write (missing file, full disk, permissions).
    case io(path: String, detail: String)
    /// A record or dataset does not match the schema it is written or read with.
    case schemaMismatch(path: String, detail: String)
    /// A dataset directory is not usable: no manifest, an unreadable manifest, a missing shard.
    case invalidDataset(path: String, detail: String)

    public var description: String {
        switch self {
        case let .corrupt(p, d): return "\(p): corrupt shard: \(d)"
        case let .io(p, d): return "\(p): \(d)"
        case let .schemaMismatch(p, d): return "\(p): schema mismatch: \(d)"
        case let .invalidDataset(p, d): return "\(p): \(d)"
        }
    }

    /// Element `element` of column `field` of record `record` does not fit the column's type.
    static func valueDoesNotFit(
        _ value: UInt32, path: String, record: Int, field: ShardField, element: Int
    ) -> ShardError {
        .schemaMismatch(
            path: path,
            detail:
                "record \(record), column '\(field.name)' element \(element): value \(value) does not fit \(field.type)"
        )
    }

    /// `errno` rendered the way the C library describes it.
    static func io(_ path: String, _ what: String, errno code: Int32) -> ShardError {
        .io(path: path, detail: "\(what): \(String(cString: strerror(code)))")
    }
}
