import Shards

/// What a run does, decided before the workers start: the units it writes (all, or a
/// partition's share), which of them an earlier run finished (verified: kept), and the batches
/// of the others, in output order.
struct MaskingPlan {
    /// The units (output shards) this run is responsible for.
    let units: Range<Int>
    /// Shard metadata of each unit: the config hash and the documents it holds.
    let unitMetadata: [[String: String]]
    let kept: [Int: (summary: ShardSummary, statistics: InstanceStatistics)]
    let tasks: [MaskingPipeline.Task]

    init(
        input: MaskingInput, output: ResumableShardedOutput<InstanceStatistics>, schema: ShardSchema,
        documentsPerBatch: Int, units: Range<Int>, shardConfigHash: String
    ) {
        var unitMetadata: [[String: String]] = []
        var kept: [Int: (ShardSummary, InstanceStatistics)] = [:]
        var tasks: [MaskingPipeline.Task] = []
        for (k, unit) in input.units.enumerated() {
            // The shards carry the hash of the settings without the partition, so a part's
            // shard is byte for byte the single run's.
            let metadata = [
                MaskingJob.configHashKey: shardConfigHash, "unit": "\(k)",
                "documents": "\(unit.documents.lowerBound)..<\(unit.documents.upperBound)",
            ]
            unitMetadata.append(metadata)
            guard units.contains(k) else { continue }
            if let shard = output.reusableShard(k, schema: schema, metadata: metadata) {
                kept[k] = shard
                continue
            }
            for lo in stride(from: unit.documents.lowerBound, to: unit.documents.upperBound, by: documentsPerBatch) {
                tasks.append(.init(unit: k, documents: lo..<min(unit.documents.upperBound, lo + documentsPerBatch)))
            }
        }
        self.units = units
        self.unitMetadata = unitMetadata
        self.kept = kept
        self.tasks = tasks
    }
}
