/// Loader failures; every message names the dataset, shard or block concerned.
public enum LoaderError: Error, CustomStringConvertible, Equatable {
    /// Bad arguments or a state file that does not fit (exit 2).
    case invalidOptions(String)
    /// The dataset directory is unusable: missing manifest, mismatched schemas or vocabularies.
    case badDataset(path: String, detail: String)
    /// A block failed its checksum or could not be decoded (`block` names the shard or
    /// read unit, `detail` the block, records and bytes).
    case corruptBlock(block: String, detail: String)
    /// A sample does not fit the requested padding.
    case sampleTooLong(sample: Int, length: Int, limit: Int, what: String)
    /// A lower stage (shards, masking) refused a dataset or shard; its message names file and position.
    case reported(String)
    /// Reading or writing a state file failed.
    case io(path: String, detail: String)
    /// A saved state belongs to a different dataset or order configuration.
    case stateMismatch(String)

    /// 2 for bad input or usage (options, datasets, corrupt data, state files that do not
    /// fit), 1 for a failure while running.
    public var exitCode: Int32 {
        if case .io = self { return 1 }
        return 2
    }

    public var description: String {
        switch self {
        case let .invalidOptions(d): return "invalid loader options: \(d)"
        case let .badDataset(p, d): return "\(p): \(d)"
        case let .corruptBlock(b, d): return "\(b): corrupt shard: \(d) (skip corrupt blocks with --skip-corrupt)"
        case let .sampleTooLong(s, n, l, w): return "sample \(s) has \(n) \(w), more than the limit \(l)"
        case let .reported(d): return d
        case let .io(p, d): return "\(p): \(d)"
        case let .stateMismatch(d): return "saved loader state does not match: \(d)"
        }
    }
}
