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

    /// Creates, resumes or overwrites a run (see `Start`). `.resume` continues from the
    /// checkpoint `latest` names when it verifies, else from the newest one that does
    /// (`skippedCheckpoints`); a run none of whose checkpoints verifies is an error, and a
    /// directory holding no run starts at step 0. `.fresh` refuses a directory holding a run.
    /// `makeSource(resumeState)` builds the batch source, at the saved position when resuming.
    public init(
        options: TrainingOptions, run: String, config: ModelConfig, start: Start,
        makeSource: (Data?) throws -> BatchSource, evalSource: (() throws -> BatchSource)? = nil
    ) throws {
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
        model = try MaskedLanguageModel(
            config: cfg,
            capacity: BatchCapacity(
                batchSize: opts.batchSize, sequenceLength: opts.maxLength, maxPredictions: opts.maxPredictions),
            decoder: opts.decoder)
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
        guard
            let handle = FileHandle(forWritingAtPath: metricsPath)
                ?? {
                    FileManager.default.createFile(atPath: metricsPath, contents: nil)
                    return FileHandle(forWritingAtPath: metricsPath)
                }()
        else { throw TrainingError.io(metricsPath, "cannot open for appending") }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let k = max(1, o.gradientAccumulation)
        // The optimizer clears the gradients as it reads them (`zeroingGradients`), so only
        // the first step of this call needs the separate pass.
        var gradientsAreZero = false
        while step < last {
            if stopSignal != 0 {
                lastCheckpoint = try save()
                return .interrupted(step)
            }
            let begin = DispatchTime.now().uptimeNanoseconds
            let cpuBegin = processCPUSeconds()
            let next = step + 1
            if !gradientsAreZero { model.parameters.zeroGradients() }
            gradientsAreZero = false
            var loss = 0.0, predictions = 0, correct = 0, positions = 0, flops = 0.0
            for micro in 0..<k {
                let batch = try source.next()
                let plan = DropoutPlan(
                    hidden: model.config.hiddenDropoutProb, attention: model.config.attentionProbsDropoutProb,
                    seed: o.seed, step: next, micro: micro)
                let out = try model.forward(batch, dropout: plan, gradientScale: 1 / Float(k))
                guard out.loss.isFinite else {
                    throw TrainingError.nonFiniteLoss(step: next, lastCheckpoint: lastCheckpoint)
                }
                model.backward()
                loss += out.loss / Double(k); predictions += out.predictions; correct += out.correct
                positions += batch.size * batch.sequenceLength
                flops += model.flopsPerStep(
                    batch: batch.size, length: batch.sequenceLength, predictions: out.predictions)
            }
            let norm = model.parameters.gradientNorm()
            guard norm.isFinite else { throw TrainingError.nonFiniteLoss(step: next, lastCheckpoint: lastCheckpoint) }
            let lr = schedule.rate(at: next)
            optimizer.clipAndUpdate(
                model.parameters, lr: lr, maxGradNorm: o.maxGradNorm, norm: norm, zeroingGradients: true)
            gradientsAreZero = true
            step = next
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
            var m = StepMetrics(
                step: step, loss: loss, mlm_accuracy: predictions > 0 ? Double(correct) / Double(predictions) : 0,
                lr: Double(lr), grad_norm: norm, tokens_per_s: Double(positions) / seconds,
                gflops: flops / seconds / 1e9, ms_per_step: seconds * 1000,
                cpu_ms_per_step: (processCPUSeconds() - cpuBegin) * 1000)
            if o.evalEvery > 0, step % o.evalEvery == 0, let evalSource {
                let r = try evaluate(model, source: try evalSource())
                m.eval_loss = r.loss; m.eval_accuracy = r.accuracy
            }
            do { try handle.write(contentsOf: try enc.encode(m) + Data("\n".utf8)) } catch {
                throw TrainingError.io(metricsPath, "cannot append metrics: \(error.localizedDescription)")
            }
            history.append(m)
            progress?(m)
            if o.saveEvery > 0, step % o.saveEvery == 0, step < last { lastCheckpoint = try save() }
        }
        lastCheckpoint = try save()
        return step >= o.steps ? .finished : .stoppedAfter(step)
    }

    @discardableResult
    func save() throws -> String {
        // Already saved at this step (e.g. a signal right after a periodic save): keep it.
        if let last = lastCheckpoint, last.hasSuffix(Checkpoint.name(step: step)),
            FileManager.default.fileExists(atPath: last + "/" + CheckpointManifest.fileName)
        {
            return last
        }
        let state = TrainerState(
            step: step, optimizerStep: optimizer.step, seed: options.seed, config: model.config,
            options: options, sourceState: try source.checkpointState())
        return try Checkpoint.save(
            run: run, state: state, model: model, optimizer: optimizer, keep: options.keepCheckpoints)
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
