import Dispatch
import Foundation
import Shards
import Tokenization

/// `prep mask`: a document dataset in, an instance dataset out.
///
/// Streaming and bounded: workers read their documents (and NSP's random ones) through the
/// shard index, a ring of batches is in flight while earlier ones are written, so memory holds
/// a few hundred documents' instances whatever the corpus size. Output shard k always holds the
/// same documents (a fixed run of the document stream, a `MaskingInput.Unit`), each (document, copy)
/// draws from its own random stream, and batches are written in order: the bytes depend on the
/// config only. The output directory is a `ResumableShardedOutput`: a re-run keeps every shard
/// that verifies and carries this config's hash, and a finished output of this config is
/// returned as it is.
public enum MaskingJob {
    /// Bumped when the instance or masking algorithm, or the instance layout, changes the bytes
    /// for the same config (mask-2: instance layout 2, see `InstanceSchema`; masks unchanged;
    /// mask-3: units are global runs of documents, no longer cut at input shard ends, and the
    /// input is identified by its document digest, not its shards' checksums).
    static let algorithmVersion = "mask-3"
    /// The manifest's `config` key of the config hash (also each shard's metadata key).
    static let configHashKey = "config_hash"

    public static func run(_ config: MaskingJobConfiguration) throws -> MaskingRunSummary {
        let started = DispatchTime.now()
        try config.validate()
        guard (config.input as NSString).standardizingPath != (config.output as NSString).standardizingPath else {
            throw MaskingError.badInput(path: config.output, detail: "--output must differ from --input")
        }
        let input = try MaskingInput(config)
        var settings = config.settings()
        // The shards' hash leaves the partition out (a part's shards are the single run's); the
        // output directory's hash has it, so a directory of part 0 is not taken for part 1.
        let shardConfigHash = ConfigurationHash.sha256(settings: settings, identities: input.identities)
        var configHash = shardConfigHash
        let units = config.partition?.units(of: input.units.count) ?? 0..<input.units.count
        if let partition = config.partition {
            settings[PartitionedRun.partitionKey] = partition.description
            configHash = ConfigurationHash.sha256(settings: settings, identities: input.identities)
            settings[PartitionedRun.unitsKey] = "\(units.lowerBound)..<\(units.upperBound)"
            settings[PartitionedRun.totalUnitsKey] = "\(input.units.count)"
            settings[PartitionedRun.shardConfigHashKey] = shardConfigHash
        }
        settings["input"] = (config.input as NSString).standardizingPath

        let output: ResumableShardedOutput<InstanceStatistics>
        do {
            output = try ResumableShardedOutput(
                directory: config.output, configHash: configHash,
                ifFinished: .keep(configKey: configHashKey))
        } catch { throw wrap(error) }
        if let finished = output.finishedManifest {
            guard let statistics = InstanceStatistics(manifest: finished) else {
                throw MaskingError.badInput(
                    path: config.output, detail: "\(Dataset.manifestName) has no readable run summary")
            }
            return MaskingRunSummary(
                output: config.output, statistics: statistics, shards: finished.shards.count,
                shardsReused: finished.shards.count, configHash: configHash,
                seconds: seconds(since: started))
        }

        let schema = InstanceSchema.make(
            vocabularySize: input.vocabulary.count, maxSequenceLength: config.instances.maxSequenceLength,
            pairs: config.instances.pairing != .none)
        let plan = MaskingPlan(
            input: input, output: output, schema: schema, documentsPerBatch: config.documentsPerBatch,
            units: units, shardConfigHash: shardConfigHash)
        let ledger = try MaskingProduction(config: config, input: input, schema: schema, plan: plan, output: output)
            .run()
        let summaries = units.map { ledger.summaries[$0]! }

        let vocabulary = input.manifest.vocab
        do {
            try input.vocabularyFile.store(readFrom: input.vocabularyPath, as: vocabulary.file, in: output)
        } catch { throw MaskingJob.wrap(error) }
        settings.merge(ledger.statistics.manifestSettings) { _, new in new }
        let manifest = DatasetManifest(
            formatVersion: DatasetManifest.currentFormatVersion, kind: "instances",
            schema: schema, config: settings, vocab: vocabulary, shards: summaries)
        do { try output.finish(manifest) } catch { throw wrap(error) }
        return MaskingRunSummary(
            output: config.output, statistics: ledger.statistics, shards: summaries.count,
            shardsReused: plan.kept.count, configHash: configHash, seconds: seconds(since: started))
    }

    /// Shard errors become `MaskingError.shard`, the rest pass through.
    static func wrap(_ error: Error) -> Error {
        if let e = error as? ShardError { return MaskingError.shard(e) }
        return error
    }

    static func seconds(since t: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e9
    }
}
