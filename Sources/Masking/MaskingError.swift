import Shards

/// Errors of the masking stage. Each message names the file (and the document or shard) at fault.
public enum MaskingError: Error, CustomStringConvertible, Sendable {
    /// The input or the options cannot be used (exit 2).
    case badInput(path: String, detail: String)
    /// A document contradicts itself (sentence lengths vs tokens, ids outside the vocabulary).
    case corruptDocument(path: String, record: Int, detail: String)
    /// Output could not be written (exit 1).
    case io(path: String, detail: String)
    /// A shard-level error, passed through.
    case shard(ShardError)
    /// The run stopped before `path` was finished (tests simulate a kill with this).
    case interrupted(path: String)

    public var description: String {
        switch self {
        case let .badInput(p, d): return "\(p): \(d)"
        case let .corruptDocument(p, r, d): return "\(p): record \(r): \(d)"
        case let .io(p, d): return "\(p): \(d)"
        case let .shard(e): return e.description
        case let .interrupted(p): return "\(p): interrupted; run the same command again to resume"
        }
    }

    /// True when the fault is in the input or the arguments, not in the run.
    public var isBadInput: Bool {
        switch self {
        case .badInput, .corruptDocument: return true
        case .io, .interrupted: return false
        case let .shard(e):
            if case .io = e { return false }
            return true
        }
    }
}

/// A document's own defect (thrown by `InstanceBuilder.build`), before the caller maps the
/// document index to a file and record.
struct DocumentDefect: Error, CustomStringConvertible, Sendable {
    let document: Int
    let detail: String
    var description: String { "document \(document): \(detail)" }
}
