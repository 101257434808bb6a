import Shards

/// What a run does, decided before the workers start: which units an earlier run finished
/// (verified: kept), and the batches of the others, in output order.
struct MaskingPlan {
    /// Shard metadata of each unit: the config hash and the documents it holds.
    let unitMetadata: [[String: String]]
    let kept: [Int: (summary: ShardSummary, statistics: InstanceStatistics)]
    let tasks: [MaskingPipeline.Task]

    init(
        input: MaskingInput, output: ResumableShardedOutput<InstanceStatistics>, schema: ShardSchema,
        documentsPerBatch: Int
    ) {
        var unitMetadata: [[String: String]] = []
        var kept: [Int: (ShardSummary, InstanceStatistics)] = [:]
        var tasks: [MaskingPipeline.Task] = []
        for (k, unit) in input.units.enumerated() {
            let metadata = [
                MaskingJob.configHashKey: output.configHash, "unit": "\(k)",
                "documents": "\(unit.documents.lowerBound)..<\(unit.documents.upperBound)",
            ]
            unitMetadata.append(metadata)
            if let shard = output.reusableShard(k, schema: schema, metadata: metadata) {
                kept[k] = shard
                continue
            }
            for lo in stride(from: unit.documents.lowerBound, to: unit.documents.upperBound, by: documentsPerBatch) {
                tasks.append(.init(unit: k, documents: lo..<min(unit.documents.upperBound, lo + documentsPerBatch)))
            }
        }
        self.unitMetadata = unitMetadata
        self.kept = kept
        self.tasks = tasks
    }
}
