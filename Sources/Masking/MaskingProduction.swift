import Dispatch
import Foundation
import Shards

/// The writing half of a `prep mask` run: starts the workers on the plan's batches, takes their
/// batches in order, appends them to each unit's shard, and finishes every shard (last blocks,
/// index, fsync, rename, journal) on a background queue while the next one is produced.
final class MaskingProduction {
    private let config: MaskingJobConfiguration
    private let input: MaskingInput
    private let schema: ShardSchema
    private let plan: MaskingPlan
    private let output: ResumableShardedOutput<InstanceStatistics>
    /// The documents being turned into instances, shared by the workers: the batches in flight
    /// lie in the same few input blocks, and a store per worker made each worker decompress every
    /// block (a shared reader decompresses it once, under its lock).
    private let documentStore: DocumentStore
    /// NSP's random next documents, when they are read through the shards.
    private let randomStore: DocumentStore
    private let pipeline: MaskingPipeline
    /// Finishes shards in order, off the producing thread.
    private let finisher = DispatchQueue(label: "MaskingJob.finish")
    private let ledger: Ledger

    init(
        config: MaskingJobConfiguration, input: MaskingInput, schema: ShardSchema, plan: MaskingPlan,
        output: ResumableShardedOutput<InstanceStatistics>
    ) throws {
        self.config = config
        self.input = input
        self.schema = schema
        self.plan = plan
        self.output = output
        let threads = config.threads
        let randomStore = input.store(
            cacheBlocks: max(2, config.randomAccessCacheBlocks / max(1, input.manifest.shards.count)))
        let documentStore = input.store(cacheBlocks: 2 * threads)
        self.randomStore = randomStore
        self.documentStore = documentStore
        // NSP reads random documents from an uncompressed scratch copy (see `RandomDocumentFile`).
        var randomFile: RandomDocumentFile?
        if config.instances.pairing == .nsp && !plan.tasks.isEmpty {
            do {
                randomFile = try RandomDocumentFile(store: input.store(cacheBlocks: 2), directory: config.output)
            } catch {
                throw MaskingJob.wrap(error)
            }
        }
        let contexts = (0..<threads).map { _ in
            WorkerContext(
                config: config, vocabulary: input.vocabulary, store: documentStore, randomStore: randomStore,
                randomFile: randomFile)
        }
        // 16 slots per worker (4 before): the writer takes batches in order, so a slow batch (one
        // that decompresses an input block, or whose worker was preempted by the compressors) held
        // the other worker up once it was 4 batches ahead; idle per GB 0.49 -> 0.40 s, +16 MB RSS.
        pipeline = MaskingPipeline(
            tasks: plan.tasks, contexts: contexts, slots: 16 * threads,
            documentCount: input.documentCount, schema: schema, path: config.output)
        ledger = Ledger(output: output, units: input.units.count)
    }

    /// Writes every unit's shard (or keeps it); returns the ledger once all are finished.
    func run() throws -> Ledger {
        pipeline.start()
        defer {
            pipeline.stop()
            finisher.sync {}
        }
        var progress = Progress(documentCount: plan.units.reduce(0) { $0 + input.units[$1].documents.count })
        var nextTask = 0
        for k in plan.units {
            let unit = input.units[k]
            if let shard = plan.kept[k] {
                finisher.async { [ledger] in ledger.record(k, shard.summary, shard.statistics, kept: true) }
                progress.documentsDone += unit.documents.count
                continue
            }
            if let limit = config.interruptAfterShards, progress.shardsWritten >= limit {
                try simulateKill(writingShard: k)
            }
            if let e = ledger.failure { throw MaskingJob.wrap(e) }
            try write(k, of: unit, from: &nextTask, progress: &progress)
        }
        finisher.sync {}
        if let e = ledger.failure { throw MaskingJob.wrap(e) }
        return ledger
    }

    /// Where the run stands for `config.progress`.
    private struct Progress {
        let documentCount: Int
        var documentsDone = 0
        var shardsWritten = 0
    }

    /// Appends the batches of unit `k` (tasks `nextTask...` of that unit) to a new shard, then
    /// hands the shard to the finisher.
    private func write(_ k: Int, of unit: MaskingInput.Unit, from nextTask: inout Int, progress: inout Progress) throws
    {
        let writer: ShardWriter
        do {
            writer = try ShardWriter(
                path: output.shardPath(k), schema: schema, metadata: plan.unitMetadata[k],
                compressionLevel: config.compressionLevel, huffmanLiterals: true,
                backgroundCompression: true)
        } catch { throw MaskingJob.wrap(error) }
        // Unmap the input read so far, so resident memory does not grow with the input.
        documentStore.release()
        if k % 8 == 0 { randomStore.release() }
        var statistics = InstanceStatistics()
        let doneBefore = progress.documentsDone
        do {
            while nextTask < plan.tasks.count && plan.tasks[nextTask].unit == k {
                let slot = pipeline.take(nextTask)
                if let e = slot.error { throw e }
                try writer.append(slot.records)
                statistics += slot.statistics
                pipeline.release(nextTask)
                nextTask += 1
                progress.documentsDone += config.documentsPerBatch
                config.progress?(
                    ProgressEvent(
                        completed: min(progress.documentsDone, progress.documentCount),
                        total: progress.documentCount, unit: .documents))
            }
        } catch {
            writer.abandon()
            throw MaskingJob.wrap(error)
        }
        progress.documentsDone = doneBefore + unit.documents.count
        progress.shardsWritten += 1
        finisher.async { [ledger, statistics] in
            guard ledger.failure == nil else { writer.abandon(); return }
            do { ledger.record(k, try writer.finish(), statistics, kept: false) } catch {
                writer.abandon()
                ledger.fail(error)
            }
        }
    }

    /// The test hook `interruptAfterShards`: stops as `kill -9` would while shard `k` is being
    /// written, leaving a temporary file with part of it.
    private func simulateKill(writingShard k: Int) throws -> Never {
        finisher.sync {}
        if let e = ledger.failure { throw MaskingJob.wrap(e) }
        let w = try ShardWriter(path: output.shardPath(k), schema: schema, metadata: plan.unitMetadata[k])
        _ = Unmanaged.passRetained(w)
        throw MaskingError.interrupted(path: output.shardPath(k))
    }
}
