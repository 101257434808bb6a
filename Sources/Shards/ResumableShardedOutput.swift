import Foundation

/// The output directory of a job that writes a dataset shard by shard and can be resumed:
/// `prep tokenize` and `prep mask` (and any job that splits the same work differently).
///
/// What it owns, so that every job resumes the same way:
/// - the directory (created if missing) and the config hash (`ConfigurationHash`), which
///   producers also put into each shard's metadata;
/// - a finished dataset already there: kept when it was made with this config, or refused with
///   one error, or rebuilt, as the job chooses (`FinishedDataset`);
/// - temporary files of a killed run, removed on open;
/// - the journal of finished shards (`ShardJournal`, one line appended per shard): a shard the
///   journal lists is kept only if it verifies completely and carries the expected schema and
///   metadata (`reusableShard`);
/// - the manifest, written last (temporary name, fsync, rename), after shards of an earlier,
///   larger run are removed; then the journal goes.
///
/// `State` is what a job records per finished shard to continue after it (counts, a position
/// in its input). Methods may be called from any thread; the journal is guarded by a lock.
public final class ResumableShardedOutput<State: Codable & Sendable>: @unchecked Sendable {
    /// What to do when the directory already holds a finished dataset (a manifest).
    public enum FinishedDataset: Sendable {
        /// Rebuild it; its manifest is removed at once, so a half-rewritten directory never
        /// looks complete.
        case rebuild
        /// Keep it if its manifest's `config[configKey]` is this config's hash (the run then has
        /// nothing to do: see `finishedManifest`), else refuse the directory. `finish` records
        /// the hash under that key.
        case keep(configKey: String)
        /// Rebuild it if it was made with this config: its first shard carries the hash under
        /// `shardMetadataKey` (a dataset without shards has nothing to lose); else refuse the
        /// directory. For jobs whose manifest does not record the hash, so its bytes stay put.
        case rebuildSame(shardMetadataKey: String)
    }

    public let directory: String
    public let configHash: String
    /// The finished dataset of this very config found on open (`.keep` only); the job is done.
    public let finishedManifest: DatasetManifest?
    private let policy: FinishedDataset
    /// Nil when the directory held this config's finished dataset (nothing will be written).
    private let journal: ShardJournal<State>?
    private let lock = NSLock()

    public init(directory: String, configHash: String, ifFinished policy: FinishedDataset) throws {
        self.directory = directory
        self.configHash = configHash
        self.policy = policy
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw ShardError.io(
                path: directory, detail: "cannot create output directory: \(error.localizedDescription)")
        }
        let manifestPath = (directory as NSString).appendingPathComponent(Dataset.manifestName)
        if FileManager.default.fileExists(atPath: manifestPath) {
            switch policy {
            case .rebuild:
                try Self.removeManifest(manifestPath)
            case let .rebuildSame(key):
                guard Self.madeWith(configHash, key: key, directory: directory) else {
                    throw Self.otherSettings(directory)
                }
                try Self.removeManifest(manifestPath)
            case let .keep(configKey):
                guard let existing = try? Dataset.readManifest(in: directory), existing.config[configKey] == configHash
                else { throw Self.otherSettings(directory) }
                finishedManifest = existing
                journal = nil
                return
            }
        }
        finishedManifest = nil
        Dataset.removeTemporaries(in: directory)
        journal = try ShardJournal(directory: directory, configHash: configHash)
    }

    private static func removeManifest(_ path: String) throws {
        if unlink(path) != 0 { throw ShardError.io(path: path, detail: "cannot remove old manifest") }
    }

    private static func otherSettings(_ directory: String) -> ShardError {
        .invalidDataset(
            path: directory,
            detail: "already holds a finished dataset made with other settings; remove it or choose another --output")
    }

    /// Whether the finished dataset in `directory` was made with `configHash`, by its shards.
    private static func madeWith(_ configHash: String, key: String, directory: String) -> Bool {
        guard let manifest = try? Dataset.readManifest(in: directory) else { return false }
        guard let first = manifest.shards.first else { return true }
        let path = (directory as NSString).appendingPathComponent(first.file)
        guard let reader = try? ShardReader(path: path, cacheBlocks: 1) else { return false }
        return reader.metadata[key] == configHash
    }

    public func shardPath(_ index: Int) -> String { Dataset.shardPath(in: directory, index: index) }

    /// Shard `index` of an earlier run with this config, if the journal lists it and the file
    /// verifies completely (every checksum and record) with exactly `schema` and `metadata`:
    /// its summary and the state recorded with it. Else nil (and the journal forgets it): the
    /// job writes the shard again.
    public func reusableShard(
        _ index: Int, schema: ShardSchema, metadata: [String: String]
    )
        -> (summary: ShardSummary, state: State)?
    {
        lock.lock()
        let entry = journal?.entries[index]
        lock.unlock()
        guard let entry else { return nil }
        guard Dataset.reusableShard(at: shardPath(index), schema: schema, metadata: metadata) == entry.summary else {
            lock.lock()
            journal?.forget(index)
            lock.unlock()
            return nil
        }
        return entry
    }

    /// Records that shard `index` is finished (its writer's `finish()` returned `summary`):
    /// the journal gets its line (fsynced), so a killed run keeps the shard.
    public func recordFinishedShard(_ index: Int, summary: ShardSummary, state: State) throws {
        lock.lock()
        defer { lock.unlock() }
        try journal?.append(index, summary: summary, state: state)
    }

    /// Writes a file of the dataset besides its shards (e.g. the vocabulary) atomically.
    public func writeFile(named name: String, contents: Data) throws {
        try Dataset.writeAtomically(contents, to: (directory as NSString).appendingPathComponent(name))
    }

    /// Completes the dataset: removes shard files the manifest does not list (from an earlier
    /// run with more shards), writes `manifest` (with the config hash under the `.keep` key)
    /// atomically, then removes the journal.
    public func finish(_ manifest: DatasetManifest) throws {
        var manifest = manifest
        if case let .keep(configKey) = policy { manifest.config[configKey] = configHash }
        let listed = Set(manifest.shards.map(\.file))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasSuffix("." + Dataset.shardExtension) && !listed.contains(name) {
            unlink((directory as NSString).appendingPathComponent(name))
        }
        try Dataset.writeManifest(manifest, to: directory)
        lock.lock()
        journal?.remove()
        lock.unlock()
    }
}
