import Foundation
import Batches

/// Set from SIGINT/SIGTERM; the loop checkpoints and stops after the current step.
nonisolated(unsafe) var stopSignal: sig_atomic_t = 0

/// One line of `RUN/metrics.jsonl`.
public struct StepMetrics: Codable, Sendable, Equatable {
    public var step: Int
    public var loss: Double
    public var mlm_accuracy: Double
    public var lr: Double
    public var grad_norm: Double
    /// Positions processed per second (batch × length × accumulation / step time).
    public var tokens_per_s: Double
    /// Matmul GFLOP/s achieved (see `MaskedLanguageModel.flopsPerStep`).
    public var gflops: Double
    public var ms_per_step: Double
    /// CPU time of the whole process during the step (all threads); less sensitive than
    /// wall time to other jobs taking the cores.
    public var cpu_ms_per_step: Double? = nil
    public var eval_loss: Double? = nil
    public var eval_accuracy: Double? = nil
    /// MPI runs: milliseconds of the step spent in collectives outside the backward (the
    /// wait for the gradient buckets, the shape and loss exchanges), and the world size.
    public var allreduce_ms: Double? = nil
    public var world_size: Int? = nil
}

/// Evaluation result over a held-out set.
public struct EvaluationResult: Codable, Sendable, Equatable {
    public var loss: Double
    public var accuracy: Double
    public var predictions: Int
    public var batches: Int
}

/// The training loop: batches → forward/backward (with accumulation) → clip → AdamW,
/// metrics, periodic/final/on-signal checkpoints, exact resume.
public final class Trainer {
    public let options: TrainingOptions
    let run: String
    let model: MaskedLanguageModel
    let optimizer: AdamW
    let source: BatchSource
    let evalSource: (() throws -> BatchSource)?
    public private(set) var step = 0
    public private(set) var lastCheckpoint: String?
    public var progress: ((StepMetrics) -> Void)?
    /// Metrics of the steps run by this process.
    public private(set) var history: [StepMetrics] = []
    /// The processes training together (`ProcessGroup.single` outside MPI). Rank 0 alone
    /// writes metrics, progress and checkpoints.
    public let group: ProcessGroup
    let buckets: GradientBuckets
    /// Milliseconds of the last step spent waiting for the gradient sum after the backward
    /// (the part of the allreduce the backward did not hide), and in all other collectives.
    public private(set) var lastCommunicationMs = 0.0

    /// How a run starts: afresh into a directory holding no run, continuing its newest valid
    /// checkpoint, or afresh after removing the run the directory holds.
    public enum Start: Sendable, Equatable { case fresh, resume, overwrite }

    /// Checkpoints `--resume` passed over (damaged, or named by a broken `latest`), one line
    /// each saying which and why; empty when it resumed from the one `latest` names.
    public private(set) var skippedCheckpoints: [String] = []

    /// Creates or resumes (`resume`: continue from the newest checkpoint in `run`).
    public convenience init(
        options: TrainingOptions, run: String, config: ModelConfig, resume: Bool,
        makeSource: (Data?) throws -> BatchSource, evalSource: (() throws -> BatchSource)? = nil
    ) throws {
        try self.init(
            options: options, run: run, config: config, start: resume ? .resume : .fresh, makeSource: makeSource,
            evalSource: evalSource)
    }

    /// Rows of the global batch `--batch-size` each of `worldSize` ranks takes; a batch that
    /// does not split evenly is refused.
    public static func rowsPerRank(batchSize: Int, worldSize: Int) throws -> Int {
        guard worldSize >= 1, batchSize % worldSize == 0 else {
            throw TrainingError.badConfig(
                "--batch-size \(batchSize)",
                "the global batch must split evenly over the \(worldSize) MPI ranks (a multiple of \(worldSize))")
        }
        return batchSize / worldSize
    }

    /// Creates, resumes or overwrites a run (see `Start`). `.resume` continues from the
    /// checkpoint `latest` names when it verifies, else from the newest one that does
    /// (`skippedCheckpoints`); a run none of whose checkpoints verifies is an error, and a
    /// directory holding no run starts at step 0. `.fresh` refuses a directory holding a run.
    /// `makeSource(resumeState)` builds the batch source, at the saved position when resuming;
    /// in a `group` of several ranks it yields this rank's contiguous share of each global
    /// batch of `options.batchSize` rows (`rowsPerRank`).
    public init(
        options: TrainingOptions, run: String, config: ModelConfig, start: Start,
        makeSource: (Data?) throws -> BatchSource, evalSource: (() throws -> BatchSource)? = nil,
        group: ProcessGroup = .single
    ) throws {
        self.group = group
        var opts = options
        var state: TrainerState? = nil
        switch start {
        case .resume:
            if let point = try Checkpoint.resumePoint(run: run) {
                state = point.state
                skippedCheckpoints = point.skipped
                let saved = point.state.options
                // The run's shape is fixed by its first start; only the stopping point may change.
                opts = saved
                opts.stopAfter = options.stopAfter
                lastCheckpoint = point.path
            }
        case .fresh:
            guard !RunDirectory.holdsRun(run) else { throw TrainingError.runExists(run) }
        case .overwrite: break
        }
        self.options = opts
        self.run = run
        Parallel.threads = max(1, opts.threads)
        BLASThreads.set(1)  // GEMMs are split by parallelSgemm
        let cfg = state?.config ?? config
        let rows = try Self.rowsPerRank(batchSize: opts.batchSize, worldSize: group.size)
        model = try MaskedLanguageModel(
            config: cfg,
            capacity: BatchCapacity(
                batchSize: rows, sequenceLength: opts.maxLength, maxPredictions: opts.maxPredictions),
            decoder: opts.decoder)
        buckets = GradientBuckets(group: group, gradients: model.parameters.gradients, count: model.parameters.count)
        optimizer = AdamW(layout: model.parameters.layout, weightDecay: opts.weightDecay)
        if let state, let path = lastCheckpoint {
            try Checkpoint.load(path, into: model, optimizer: optimizer)
            step = state.step
        } else {
            model.initializeWeights(seed: opts.seed)
        }
        source = try makeSource(state?.sourceState)
        self.evalSource = evalSource
        guard source.vocabularySize == cfg.vocabSize else {
            throw TrainingError.badConfig(
                run, "data vocabulary \(source.vocabularySize) differs from the model's \(cfg.vocabSize)")
        }
        // Every rank has read the run directory (and its checkpoint) before rank 0 changes it.
        group.barrier()
        guard group.rank == 0 else { return }
        // Only now, with every setting and input accepted, is the old run removed.
        if start == .overwrite { try RunDirectory.clear(run) }
        do { try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true) } catch {
            throw TrainingError.io(run, "cannot create the run directory: \(error.localizedDescription)")
        }
        try truncateMetrics(after: step)
    }

    var metricsPath: String { (run as NSString).appendingPathComponent(RunDirectory.metricsName) }

    /// Drops metric lines past `step` (written after the checkpoint we resume from), so the
    /// file holds one line per step of the resumed curve.
    func truncateMetrics(after step: Int) throws {
        guard let d = FileManager.default.contents(atPath: metricsPath) else { return }
        let lines = String(decoding: d, as: UTF8.self).split(separator: "\n")
        let kept = lines.filter { line in
            guard let m = try? JSONDecoder().decode(StepMetrics.self, from: Data(line.utf8)) else { return false }
            return m.step <= step
        }
        try AtomicFile.write(Data(kept.map { $0 + "\n" }.joined().utf8), to: metricsPath)
    }

    public static func installSignalHandlers() {
        signal(SIGINT) { _ in
            stopSignal = 1; signal(SIGINT, SIG_DFL)
        }
        signal(SIGTERM) { _ in
            stopSignal = 1; signal(SIGTERM, SIG_DFL)
        }
    }

    /// Why the loop ended.
    public enum Outcome: Equatable { case finished, stoppedAfter(Int), interrupted(Int) }

    public func train() throws -> Outcome {
        let o = options
        let schedule = o.schedule
        let last = min(o.steps, o.stopAfter ?? o.steps)
        let writer = group.rank == 0 ? try openMetrics() : nil
        defer { try? writer?.close() }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let k = max(1, o.gradientAccumulation)
        let distributed = group.size > 1
        // The optimizer clears the gradients as it reads them (`zeroingGradients`), so only
        // the first step of this call needs the separate pass.
        var gradientsAreZero = false
        while step < last {
            // Ranks see a signal at different moments; under MPI they agree on it after the step.
            if !distributed, stopSignal != 0 {
                lastCheckpoint = try save()
                return .interrupted(step)
            }
            let begin = DispatchTime.now().uptimeNanoseconds
            let cpuBegin = processCPUSeconds()
            let next = step + 1
            if !gradientsAreZero { model.parameters.zeroGradients() }
            gradientsAreZero = false
            var totals = StepTotals(microSteps: k)
            for micro in 0..<k {
                try microStep(micro, of: k, step: next, into: &totals)
            }
            var stop = false
            if distributed { stop = try combine(&totals, step: next) }
            let norm = model.parameters.gradientNorm()
            guard norm.isFinite else { throw TrainingError.nonFiniteLoss(step: next, lastCheckpoint: lastCheckpoint) }
            let lr = schedule.rate(at: next)
            optimizer.clipAndUpdate(
                model.parameters, lr: lr, maxGradNorm: o.maxGradNorm, norm: norm, zeroingGradients: true)
            gradientsAreZero = true
            self.step = next
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
            lastCommunicationMs = totals.communicationSeconds * 1000
            var m = StepMetrics(
                step: next, loss: totals.loss,
                mlm_accuracy: totals.predictions > 0 ? Double(totals.correct) / Double(totals.predictions) : 0,
                lr: Double(lr), grad_norm: norm, tokens_per_s: Double(totals.positions) / seconds,
                gflops: totals.flops / seconds / 1e9, ms_per_step: seconds * 1000,
                cpu_ms_per_step: (processCPUSeconds() - cpuBegin) * 1000)
            if distributed { m.allreduce_ms = lastCommunicationMs; m.world_size = group.size }
            if group.rank == 0, o.evalEvery > 0, next % o.evalEvery == 0, let evalSource {
                let r = try evaluate(model, source: try evalSource())
                m.eval_loss = r.loss; m.eval_accuracy = r.accuracy
            }
            if let writer {
                do { try writer.write(contentsOf: try enc.encode(m) + Data("\n".utf8)) } catch {
                    throw TrainingError.io(metricsPath, "cannot append metrics: \(error.localizedDescription)")
                }
            }
            history.append(m)
            if group.rank == 0 { progress?(m) }
            if stop {
                lastCheckpoint = try save()
                return .interrupted(next)
            }
            if o.saveEvery > 0, next % o.saveEvery == 0, next < last { lastCheckpoint = try save() }
        }
        lastCheckpoint = try save()
        return step >= o.steps ? .finished : .stoppedAfter(step)
    }

    /// `RUN/metrics.jsonl`, open for appending (rank 0 only).
    private func openMetrics() throws -> FileHandle {
        guard
            let handle = FileHandle(forWritingAtPath: metricsPath)
                ?? {
                    FileManager.default.createFile(atPath: metricsPath, contents: nil)
                    return FileHandle(forWritingAtPath: metricsPath)
                }()
        else { throw TrainingError.io(metricsPath, "cannot open for appending") }
        handle.seekToEndOfFile()
        return handle
    }

    /// What one optimizer step adds up over its micro-batches (over all ranks once combined).
    struct StepTotals {
        var loss = 0.0, predictions = 0, correct = 0, positions = 0, flops = 0.0
        /// Data-parallel: each micro-batch's loss sum on this rank and its global predictions.
        var lossSums: [Double], globalPredictions: [Int]
        var communicationSeconds = 0.0
        init(microSteps k: Int) {
            lossSums = Array(repeating: 0, count: k); globalPredictions = Array(repeating: 0, count: k)
        }
    }

    /// Forward and backward of micro-batch `micro` of `k`, gradients accumulated. Under MPI
    /// the ranks first agree on the global batch's shape (this rank's first row and
    /// prediction, the total predictions, the length), so the loss is the mean over the whole
    /// global batch and the dropout masks are the single-process ones; the last micro-batch's
    /// backward starts the gradient buckets.
    private func microStep(_ micro: Int, of k: Int, step next: Int, into t: inout StepTotals) throws {
        var batch = try source.next()
        var plan = DropoutPlan(
            hidden: model.config.hiddenDropoutProb, attention: model.config.attentionProbsDropoutProb,
            seed: options.seed, step: next, micro: micro)
        var normalizer: Int? = nil
        var positions = batch.size * batch.sequenceLength
        var scale = 1 / Float(k), empty = false
        if group.size > 1 {
            let c0 = DispatchTime.now().uptimeNanoseconds
            let shape = GlobalBatchShape.exchange(batch, predictions: Self.predictions(in: batch), in: group)
            t.communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - c0) / 1e9
            if batch.size > 0 { batch = batch.padded(toLength: shape.length) }
            let c = model.config
            plan.shard = .init(
                firstRow: shape.firstRow, firstPrediction: shape.firstPrediction,
                hiddenPerRow: shape.length * c.hiddenSize,
                attentionPerRow: c.numAttentionHeads * shape.length * shape.length)
            guard plan.offsetsAreEven || (plan.hidden == 0 && plan.attention == 0) else {
                throw TrainingError.badConfig(
                    "--batch-size \(options.batchSize)",
                    "rank \(group.rank)'s share starts at row \(shape.firstRow), an odd element offset for the dropout masks (odd heads and length); use an even number of rows per rank"
                )
            }
            normalizer = shape.predictions
            t.globalPredictions[micro] = shape.predictions
            positions = shape.rows * shape.length
            if micro == k - 1 {
                buckets.reset()
                model.encoderState.gradientsReady = { [buckets] offset in buckets.ready(from: offset) }
            }
            if batch.size == 0 {
                // This rank's share of the epoch's last, short global batch is empty. It still
                // runs a backward, of one blank row with gradient scale 0 (exact zeros added),
                // so it starts the same gradient buckets in the same order as the other ranks:
                // MPI needs every rank to make the same collective calls.
                batch = Batch(size: 1, sequenceLength: max(1, shape.length), maxPredictions: 0)
                batch.attentionMask[0] = 1
                scale = 0; empty = true
            }
        }
        t.positions += positions
        let out = try model.forward(batch, dropout: plan, gradientScale: scale, predictions: normalizer)
        model.backward()
        guard !empty else { return }
        if group.size == 1 {
            guard out.loss.isFinite else {
                throw TrainingError.nonFiniteLoss(step: next, lastCheckpoint: lastCheckpoint)
            }
            t.loss += out.loss / Double(k); t.predictions += out.predictions
        } else {
            t.lossSums[micro] = out.lossSum
        }
        t.correct += out.correct
        t.flops += model.flopsPerStep(batch: batch.size, length: batch.sequenceLength, predictions: out.predictions)
    }

    /// Data-parallel end of a step: waits for the gradient sum, then sums the loss, hits,
    /// FLOPs and stop requests over the ranks in one small allreduce. Every rank then knows
    /// the same loss, so a NaN on any rank stops all of them at this step. Returns whether
    /// any rank was asked to stop (SIGINT/SIGTERM).
    private func combine(_ t: inout StepTotals, step next: Int) throws -> Bool {
        let k = t.lossSums.count
        let c0 = DispatchTime.now().uptimeNanoseconds
        model.encoderState.gradientsReady = nil
        buckets.finish()
        var stats = t.lossSums + [Double(t.correct), t.flops, stopSignal != 0 ? 1 : 0]
        group.sum(&stats)
        t.communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - c0) / 1e9
        guard stats[0..<k].allSatisfy(\.isFinite) else {
            throw TrainingError.nonFiniteLoss(step: next, lastCheckpoint: lastCheckpoint)
        }
        t.loss = 0
        for i in 0..<k where t.globalPredictions[i] > 0 {
            t.loss += stats[i] / Double(t.globalPredictions[i]) / Double(k)
        }
        t.predictions = t.globalPredictions.reduce(0, +)
        t.correct = Int(stats[k]); t.flops = stats[k + 1]
        return stats[k + 2] > 0
    }

    /// Masked slots holding a label.
    static func predictions(in b: Batch) -> Int {
        b.maskedLabels.reduce(0) { $0 + ($1 != Batch.noLabel ? 1 : 0) }
    }

    @discardableResult
    func save() throws -> String {
        // Already saved at this step (e.g. a signal right after a periodic save): keep it.
        // Rank 0 decides for all: the others' `lastCheckpoint` is only a name.
        var saved = false
        if group.rank == 0, let last = lastCheckpoint, last.hasSuffix(Checkpoint.name(step: step)),
            FileManager.default.fileExists(atPath: last + "/" + CheckpointManifest.fileName)
        {
            saved = true
        }
        if group.size > 1 { saved = group.maximum([saved ? 1 : 0])[0] == 1 }
        if saved, let last = lastCheckpoint { return last }
        var state = TrainerState(
            step: step, optimizerStep: optimizer.step, seed: options.seed, config: model.config,
            options: options, sourceState: try source.checkpointState())
        if group.size > 1 {
            // Every rank's loader state; rank 0's (the global position) is the one resumed from.
            let states = group.gatherOnRoot(state.sourceState)
            try checkReplicasAgree()
            guard group.rank == 0 else { return Checkpoint.name(step: step) }
            state.worldSize = group.size
            state.rankSourceStates = states
        }
        return try Checkpoint.save(
            run: run, state: state, model: model, optimizer: optimizer, keep: options.keepCheckpoints)
    }

    /// Every rank applies the same update to the same parameters, so their copies must be
    /// bit-equal; a checkpoint compares a digest of them over the ranks before writing.
    private func checkReplicasAgree() throws {
        let digest = Int64(bitPattern: Self.digest(model.parameters.values, count: model.parameters.count))
        let lo = group.minimum([digest]), hi = group.maximum([digest])
        guard lo == hi else {
            throw TrainingError.io(
                run, "the ranks' parameters differ at step \(step) (MPI allreduce results were not identical)")
        }
    }

    /// FNV-1a over the bytes of `count` floats.
    static func digest(_ p: UnsafePointer<Float>, count: Int) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in 0..<count { h = (h ^ UInt64(p[i].bitPattern)) &* 0x100_0000_01B3 }
        return h
    }
}

/// User + system CPU seconds of this process so far.
func processCPUSeconds() -> Double {
    var u = rusage()
    #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &u)
    #else
        getrusage(RUSAGE_SELF, &u)
    #endif
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

/// MLM loss and accuracy of `model` over every batch `source` yields until it throws
/// `endOfData` or repeats its first sample (one epoch), without dropout.
public func evaluate(
    _ model: MaskedLanguageModel, source: BatchSource, maxBatches: Int = .max
) throws -> EvaluationResult {
    var loss = 0.0, predictions = 0, correct = 0, batches = 0
    var first: Int? = nil
    while batches < maxBatches {
        let b: Batch
        if let epoch = source as? EpochSource {
            guard let x = try epoch.nextInEpoch() else { break }
            b = x
        } else {
            b = try source.next()
            if batches == 0 { first = b.sampleIndices.first } else if b.sampleIndices.first == first { break }
        }
        let out = try model.forward(b)
        loss += out.lossSum; predictions += out.predictions; correct += out.correct; batches += 1
    }
    return EvaluationResult(
        loss: predictions > 0 ? loss / Double(predictions) : 0,
        accuracy: predictions > 0 ? Double(correct) / Double(predictions) : 0,
        predictions: predictions, batches: batches)
}

/// A source with a defined end (one pass over held-out data).
public protocol EpochSource: BatchSource {
    func nextInEpoch() throws -> Batch?
}
