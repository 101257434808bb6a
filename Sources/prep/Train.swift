import ArgumentParser
import Foundation
import Loading
import Masking
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pretrain a BERT encoder with a masked-LM decoder on OpenBLAS.",
        discussion: """
            Writes RUN/metrics.jsonl (one JSON object per step) and atomic checkpoints under \
            RUN/checkpoints/ (checksummed in checkpoint.json). --resume continues from the newest valid \
            checkpoint; a directory holding another run needs --resume or --overwrite. Ctrl-C or \
            SIGTERM checkpoints and stops. See docs/training.md.
            """)

    @Option(help: "Dataset directory from `prep mask` (or from `prep tokenize`, with --mask); repeat to mix datasets.")
    var data: [String] = []
    @Option(help: "Model size: tiny, mini, small, base, or a JSON file with HF BertConfig fields.")
    var model: String = "tiny"
    @Option(
        help:
            "Decoder used for pretraining only: mlm (BERT's head), emd (DeBERTa's Enhanced Mask Decoder) or bpdec (DrBERT/BPDec). See docs/decoders.md."
    )
    var decoder: String = "mlm"
    @Option(
        help:
            "Encoder attention: absolute (BERT) or disentangled (DeBERTa: relative positions, no absolute positions at the input)."
    )
    var attention: String = "absolute"
    @Option(name: .customLong("emd-passes"), help: "emd: times the shared last encoder layer is applied.")
    var emdPasses: Int = 2
    @Option(name: .customLong("decoder-layers"), help: "bpdec: number of fresh decoder blocks.")
    var decoderLayers: Int = 2
    @Flag(name: .customLong("decoder-positions"), help: "bpdec: add absolute position embeddings at the decoder input.")
    var decoderPositions = false
    @Option(
        name: .customLong("gua-unmask"), help: "bpdec: fraction of masked positions visible as keys in decoder layer 1."
    )
    var guaUnmask: Float = 0.5
    @Option(
        name: .customLong("output-mix"),
        help: "bpdec: probability per masked token that the head reads the encoder output.")
    var outputMix: Float = 0.1
    @Option(help: "Total optimizer steps the schedule is planned for.")
    var steps: Int
    @Option(name: .customLong("batch-size"), help: "Sequences per micro-batch.")
    var batchSize: Int = 32
    @Option(help: "Peak learning rate.")
    var lr: Float = 1e-4
    @Option(help: "Linear warmup steps.")
    var warmup: Int = 0
    @Option(help: "Decay after warmup: linear, cosine or constant.")
    var decay: String = "linear"
    @Option(name: .customLong("weight-decay"), help: "AdamW decoupled weight decay (not on biases and LayerNorm).")
    var weightDecay: Float = 0.01
    @Option(name: .customLong("max-grad-norm"), help: "Clip the global gradient norm to this (0: off).")
    var maxGradNorm: Float = 1.0
    @Option(name: .customLong("grad-accum"), help: "Micro-batches per optimizer step.")
    var gradAccum: Int = 1
    @Option(help: "Seed for initialisation, data order and dropout.")
    var seed: UInt64 = 0
    @Option(
        name: .customLong("max-length"),
        help:
            "Longest sequence a batch may have (buffers are sized for it; default: the longest of the instance datasets' manifests, else 128)."
    )
    var maxLength: Int?
    @Option(
        name: .customLong("max-predictions"),
        help: "Most masked positions per sequence (default: the most of the instance datasets' manifests, else 20).")
    var maxPredictions: Int?
    @Option(help: "Run directory for metrics and checkpoints.")
    var out: String
    @Flag(
        help:
            "Continue from the newest valid checkpoint in --out (a damaged one is skipped with a note; none valid: exit 2)."
    )
    var resume = false
    @Flag(help: "Replace the run --out holds (its metrics and checkpoints are deleted first).")
    var overwrite = false
    @Flag(help: "End with the run summary as one JSON object on stdout instead of a sentence on stderr.")
    var json = false
    @Option(name: .customLong("eval-data"), help: "Held-out dataset directory.")
    var evalData: String?
    @Option(name: .customLong("eval-every"), help: "Evaluate on --eval-data every K steps (0: never).")
    var evalEvery: Int = 0
    @Option(name: .customLong("save-every"), help: "Checkpoint every K steps (0: only at the end).")
    var saveEvery: Int = 0
    @Option(
        name: .customLong("stop-after"), help: "Stop after step K as if interrupted (the schedule still plans --steps)."
    )
    var stopAfter: Int?
    @Option(
        help:
            "Mask on the fly in the loader: \(MaskingStrategy.spellings) (required for document datasets; default: the shards' stored masks).",
        transform: MaskingStrategy.init(parsing:))
    var mask: MaskingStrategy?
    @Option(help: "Vocabulary (vocab.txt) when the dataset directory has none (default: the manifest's).")
    var vocab: String?
    @Option(name: .customLong("masked-lm-prob"), help: "Masked-LM probability for --mask.")
    var maskedLmProb: Double = 0.15
    @Option(help: "Threads for GEMMs and parallel loops (default: all cores).")
    var threads: Int = DefaultThreads.allCores
    @Option(
        name: .customLong("synthetic-vocab"),
        help: "Train on random synthetic batches with this vocabulary (benchmarks, smoke tests) instead of --data.")
    var syntheticVocab: Int?

    /// Every bad setting at once, so a user fixes them in one go.
    func validate() throws {
        var numbers = NumericOptions()
        numbers.check("steps", steps, .positive)
        numbers.check("batch-size", batchSize, .positive)
        numbers.check("grad-accum", gradAccum, .positive)
        numbers.check("threads", threads, .positive)
        numbers.check("lr", lr, .positive)
        numbers.check("warmup", warmup, .nonNegative)
        numbers.check("weight-decay", weightDecay, .nonNegative)
        numbers.check("max-grad-norm", maxGradNorm, .nonNegative)
        numbers.check("masked-lm-prob", maskedLmProb, .openUnit)
        numbers.check("eval-every", evalEvery, .nonNegative)
        numbers.check("save-every", saveEvery, .nonNegative)
        numbers.check("stop-after", stopAfter, .positive)
        numbers.check("max-length", maxLength, .atLeast(2))
        numbers.check("max-predictions", maxPredictions, .positive)
        numbers.check("emd-passes", emdPasses, .positive)
        numbers.check("decoder-layers", decoderLayers, .positive)
        numbers.check("gua-unmask", guaUnmask, .probability)
        numbers.check("output-mix", outputMix, .probability)
        numbers.check("synthetic-vocab", syntheticVocab, .atLeast(6))
        var problems = numbers.problems
        if resume && overwrite { problems.append("--resume and --overwrite exclude each other") }
        if DecoderOptions.Kind(rawValue: decoder) == nil {
            problems.append("--decoder must be mlm, emd or bpdec, got \(decoder)")
        }
        if EncoderAttention(rawValue: attention) == nil {
            problems.append("--attention must be absolute or disentangled, got \(attention)")
        }
        if LearningRateDecay(rawValue: decay) == nil { problems.append("--decay must be linear, cosine or constant") }
        if data.isEmpty && syntheticVocab == nil { problems.append("--data DIR is required") }
        if evalEvery != 0 && evalData == nil { problems.append("--eval-every needs --eval-data") }
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
    }

    var decoderOptions: DecoderOptions {
        var d = DecoderOptions(kind: DecoderOptions.Kind(rawValue: decoder) ?? .mlm)
        d.emdPasses = emdPasses; d.decoderLayers = decoderLayers; d.decoderPositions = decoderPositions
        d.guaUnmask = guaUnmask; d.outputMix = outputMix
        return d
    }

    func run() throws {
        BLASThreads.ensureTunedKernel()
        var o = TrainingOptions()
        o.model = ModelSource(model); o.decoder = decoderOptions; o.attention = EncoderAttention(rawValue: attention)!
        o.steps = steps; o.batchSize = batchSize; o.learningRate = lr
        o.warmupSteps = warmup; o.decay = LearningRateDecay(rawValue: decay)!; o.weightDecay = weightDecay
        o.maxGradNorm = maxGradNorm; o.gradientAccumulation = gradAccum; o.seed = seed
        o.saveEvery = saveEvery; o.evalEvery = evalEvery; o.stopAfter = stopAfter
        o.threads = threads
        let reading = DataReading(masking: mask, maskedLMProbability: maskedLmProb, vocabularyPath: vocab)
        // Under mpirun/srun: this process's rank (docs/training.md, "Several processes: MPI").
        var group = ProcessGroup.single
        try reportingErrors { group = try ProcessGroup.join() }
        // Failures every rank meets at the same step (a NaN loss, a stop request) end each
        // rank normally; rank 0 alone reports them. Any other failure may be one rank's alone,
        // so that rank reports it and aborts the job: the others must not wait for it.
        var collective = false
        do {
            try reportingErrors {
                do {
                    try runTraining(o, reading: reading, group: group)
                } catch let e as TrainingError {
                    if case .nonFiniteLoss = e, group.size > 1 {
                        collective = true
                        if group.rank != 0 { throw ExitCode(e.exitCode) }
                    }
                    throw e
                }
            }
        } catch {
            let status = (error as? ExitCode)?.rawValue ?? 2
            if group.size > 1 && !collective && status != 130 { group.abort(status: status) }
            group.finish()
            throw error
        }
        group.finish()
    }

    private func runTraining(_ options: TrainingOptions, reading: DataReading, group: ProcessGroup) throws {
        var o = options
        let needed = TrainDataShape(
            directories: syntheticVocab == nil ? data + (evalData.map { [$0] } ?? []) : [],
            dynamicMasking: mask != nil)
        (o.maxLength, o.maxPredictions) = try needed.resolve(maxLength: maxLength, maxPredictions: maxPredictions)
        try TrainCommand.run(
            options: o, reading: reading, data: data, evalData: evalData, syntheticVocab: syntheticVocab,
            run: out, start: resume ? .resume : overwrite ? .overwrite : .fresh, json: json, group: group)
    }
}

/// How `prep train` has the loader read its data, beyond the batch shape `TrainingOptions`
/// fixes: masking on the fly (`--mask`, `--masked-lm-prob`) and the vocabulary (`--vocab`).
struct DataReading {
    var masking: MaskingStrategy? = nil
    var maskedLMProbability = 0.15
    var vocabularyPath: String? = nil
}

/// The work of `prep train`, separated from argument parsing.
enum TrainCommand {
    static func loaderOptions(_ o: TrainingOptions, reading: DataReading, seed: UInt64) -> LoaderOptions {
        var l = LoaderOptions(batchSize: o.batchSize)
        l.seed = seed
        l.maxPredictions = o.maxPredictions
        l.workerThreads = 1  // the loader prefetches in the background; the cores belong to the step
        l.documentInstances.maxSequenceLength = o.maxLength
        l.vocabularyPath = reading.vocabularyPath
        if let strategy = reading.masking {
            var m = MaskingOptions()
            m.strategy = strategy
            m.maskedLMProbability = reading.maskedLMProbability
            m.maxPredictions = o.maxPredictions
            l.masking = m
        }
        return l
    }

    /// Held-out data read as the run of checkpoint `path` read its data (its loader options,
    /// saved with the loader's state), from the start, in batches of `batchSize`.
    static func evaluationLoaderOptions(checkpoint path: String, state: TrainerState, batchSize: Int) -> LoaderOptions {
        var l =
            LoaderBatchSource.savedOptions(state.sourceState)
            ?? loaderOptions(state.options, reading: .saved(inCheckpoint: path), seed: 0)
        l.seed = 0; l.epoch = 0; l.batchSize = batchSize
        return l
    }

    static func run(
        options o: TrainingOptions, reading: DataReading, data: [String], evalData: String?, syntheticVocab: Int?,
        run: String, start: Trainer.Start, json: Bool = false, group: ProcessGroup = .single
    ) throws {
        // Each rank reads its contiguous share of every global batch of --batch-size rows.
        let rows = try Trainer.rowsPerRank(batchSize: o.batchSize, worldSize: group.size)
        let makeSource: (Data?) throws -> BatchSource = { state in
            if let v = syntheticVocab {
                let global = SyntheticBatchSource(
                    vocabularySize: v, batchSize: o.batchSize, length: o.maxLength,
                    maxPredictions: o.maxPredictions, seed: o.seed, resumeState: state)
                return group.size > 1 ? RankSliceSource(global, rank: group.rank, worldSize: group.size) : global
            }
            var l = loaderOptions(o, reading: reading, seed: o.seed)
            // The loader deals global batch k·W + r of `rows` to rank r: with W ranks that is
            // rows [r·rows, (r+1)·rows) of the run's global batch k of W·rows.
            l.batchSize = rows; l.worldSize = group.size; l.rank = group.rank
            return try LoaderBatchSource(directories: data, options: l, resumeState: state)
        }
        let probe = try makeSource(nil)
        let config = try o.modelConfig(vocabularySize: probe.vocabularySize)
        let evalSource: (() throws -> BatchSource)? = evalData.map { dir in
            { try LoaderBatchSource(directories: [dir], options: loaderOptions(o, reading: reading, seed: 0)) }
        }
        let trainer = try Trainer(
            options: o, run: run, config: config, start: start, makeSource: makeSource, evalSource: evalSource,
            group: group)
        Trainer.installSignalHandlers()
        guard group.rank == 0 else {
            // The other ranks train in silence: rank 0 reports for the job.
            let outcome = try trainer.train()
            if case .interrupted = outcome { throw ExitCode(130) }
            return
        }
        if start == .resume {
            let from = trainer.lastCheckpoint ?? "step 0 (\(run) holds no run)"
            for skipped in trainer.skippedCheckpoints {
                FileHandle.standardError.write(Data("note: \(skipped); resuming from \(from)\n".utf8))
            }
            if trainer.lastCheckpoint == nil {
                FileHandle.standardError.write(Data("note: no run in \(run), starting from step 0\n".utf8))
            }
        }
        let progress = ProgressDisplay(label: "train", startingAt: trainer.step)
        let steps = trainer.options.steps
        trainer.progress = { m in
            progress.update(
                .init(completed: m.step, total: steps, unit: .steps),
                detail: String(
                    format: "loss %.4f  acc %.3f  lr %.2e  |g| %.2f  %.0f tok/s  %.1f GFLOP/s",
                    m.loss, m.mlm_accuracy, m.lr, m.grad_norm, m.tokens_per_s, m.gflops))
        }
        let outcome = try trainer.train()
        progress.finish()
        let last = trainer.history.last
        var summary = "step \(trainer.step)/\(trainer.options.steps)"
        if let last {
            summary += String(
                format: ", loss %.4f, accuracy %.3f, %.0f tokens/s", last.loss, last.mlm_accuracy, last.tokens_per_s)
        }
        switch outcome {
        case .finished: summary = "finished: " + summary
        case .stoppedAfter: summary = "stopped (--stop-after): " + summary + "; continue with --resume"
        case .interrupted: summary = "interrupted: " + summary + "; continue with --resume"
        }
        if json {
            let outcomeName: String
            switch outcome {
            case .finished: outcomeName = "finished"
            case .stoppedAfter: outcomeName = "stopped"
            case .interrupted: outcomeName = "interrupted"
            }
            try printJSONSummary(
                TrainSummary(
                    run: run, outcome: outcomeName, step: trainer.step, steps: trainer.options.steps,
                    loss: last.map { Double($0.loss) }, accuracy: last.map { Double($0.mlm_accuracy) },
                    tokensPerSecond: last.map { Double($0.tokens_per_s) }, checkpoint: trainer.lastCheckpoint,
                    worldSize: group.size, allreduceMs: last?.allreduce_ms))
        } else {
            FileHandle.standardError.write(Data("\(summary); checkpoint \(trainer.lastCheckpoint ?? "-")\n".utf8))
        }
        if case .interrupted = outcome { throw ExitCode(130) }  // as a shell reports Ctrl-C
    }
}

/// `prep train --json`: how the run ended and where its last checkpoint is.
struct TrainSummary: Encodable {
    var run: String
    /// finished, stopped (--stop-after) or interrupted (Ctrl-C; exit status 130).
    var outcome: String
    var step: Int
    var steps: Int
    var loss: Double?
    var accuracy: Double?
    var tokensPerSecond: Double?
    var checkpoint: String?
    /// MPI ranks (1 without MPI) and the last step's milliseconds in collectives.
    var worldSize: Int = 1
    var allreduceMs: Double?
}
