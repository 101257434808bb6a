import ArgumentParser
import Finetuning
import Foundation
import Training

struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a pretrained encoder as BertForSequenceClassification (optionally with SiFT).",
        discussion: """
            --init is one of our runs or checkpoints, or a Hugging Face directory (config.json + \
            model.safetensors: prep export's output, a BertModel). --train and --dev are GLUE TSV \
            (header row) or JSONL files. Dev metrics go to DIR/metrics.jsonl after every epoch; DIR \
            ends up a transformers BertForSequenceClassification directory (prep predict, prep \
            export). See docs/finetuning.md.
            """)

    @Option(name: .customLong("init"), help: "Run or checkpoint directory, or an HF/exported BertModel directory.")
    var initPath: String
    @Option(help: "Training task file (.tsv GLUE layout, or .jsonl).")
    var train: String
    @Option(help: "Dev task file, scored after every epoch.")
    var dev: String
    @Option(help: "classification or regression.")
    var task: String = "classification"
    @Option(name: .customLong("num-labels"), help: "Classes (default: those of the training file).")
    var numLabels: Int?
    @Option(name: .customLong("text-column"), help: "Column (TSV header name or 0-based index; JSONL key) of the text.")
    var textColumn: String?
    @Option(name: .customLong("pair-column"), help: "Column of the second text of a pair.")
    var pairColumn: String?
    @Option(name: .customLong("label-column"), help: "Column of the label.")
    var labelColumn: String?
    @Option(name: .customLong("max-length"), help: "Longest encoding, [CLS]/[SEP] included (longest-first truncation).")
    var maxLength: Int = 128
    @Option(help: "vocab.txt or tokenizer.json (default: the one --init was trained with); must be that one.")
    var vocab: String?
    @Flag(help: "Do not lowercase (when the vocabulary records no normalizer).")
    var cased = false
    @Option(help: "Passes over the training file.")
    var epochs: Int = 3
    @Option(name: .customLong("batch-size"), help: "Examples per update.")
    var batchSize: Int = 32
    @Option(help: "Peak learning rate (AdamW).")
    var lr: Float = 2e-5
    @Option(name: .customLong("warmup-ratio"), help: "Share of updates warming up linearly; then linear decay to 0.")
    var warmupRatio: Float = 0.1
    @Option(name: .customLong("weight-decay"), help: "AdamW decoupled weight decay (not on biases and LayerNorm).")
    var weightDecay: Float = 0.01
    @Option(name: .customLong("max-grad-norm"), help: "Clip the global gradient norm to this (0: off).")
    var maxGradNorm: Float = 1.0
    @Option(help: "Seed of the head's initialisation, the shuffles, dropout and SiFT's noise.")
    var seed: UInt64 = 42
    @Flag(help: "Scale-invariant fine-tuning (DeBERTa's SiFT); classification only.")
    var sift = false
    @Option(
        name: .customLong("sift-eps"), help: "SiFT: std of the initial perturbation (DeBERTa vat_init_perturbation).")
    var siftEps: Float = 1e-2
    @Option(name: .customLong("sift-step"), help: "SiFT: power-iteration step (DeBERTa vat_learning_rate).")
    var siftStep: Float = 1e-4
    @Option(name: .customLong("sift-lambda"), help: "SiFT: weight of the adversarial loss (DeBERTa vat_lambda).")
    var siftLambda: Float = 1
    @Option(help: "Threads for the kernels.")
    var threads: Int = DefaultThreads.allCores
    @Option(help: "Output directory: metrics.jsonl and the fine-tuned model.")
    var out: String
    @Flag(help: "Replace an existing, non-empty --out.")
    var overwrite = false
    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        var numbers = NumericOptions()
        numbers.check("epochs", epochs, .positive)
        numbers.check("batch-size", batchSize, .positive)
        numbers.check("lr", lr, .positive)
        numbers.check("warmup-ratio", warmupRatio, .probability)
        numbers.check("weight-decay", weightDecay, .nonNegative)
        numbers.check("max-grad-norm", maxGradNorm, .nonNegative)
        numbers.check("max-length", maxLength, .atLeast(3))
        numbers.check("num-labels", numLabels, .atLeast(2))
        numbers.check("threads", threads, .positive)
        numbers.check("sift-eps", siftEps, .positive)
        numbers.check("sift-step", siftStep, .positive)
        numbers.check("sift-lambda", siftLambda, .positive)
        if !["classification", "regression"].contains(task) {
            numbers.add("--task must be classification or regression, got \(task)")
        }
        if sift && task == "regression" {
            numbers.add(
                "--sift needs --task classification: its symmetric KL over a regression head's one output is identically zero")
        }
        if !sift {
            for (name, given) in [
                ("sift-eps", siftEps != 1e-2), ("sift-step", siftStep != 1e-4), ("sift-lambda", siftLambda != 1),
            ]
            where given {
                numbers.add("--\(name) needs --sift")
            }
        }
        try numbers.validate()
    }

    func run() throws {
        // An output in the way is bad usage (exit 2), refused before any work.
        if !overwrite, let contents = try? FileManager.default.contentsOfDirectory(atPath: out), !contents.isEmpty {
            ErrorReport(
                message:
                    "\(out): already exists and is not empty; pass --overwrite to replace it or choose another --out",
                exitCode: 2
            ).write()
            throw ExitCode(2)
        }
        BLASThreads.ensureTunedKernel()
        Parallel.threads = threads
        try reportingErrors {
            let source = try PretrainedEncoder.locate(initPath)
            let initVocabulary = try source.bundledVocabulary ?? RunVocabulary.locate(run: initPath)
            let kind: TaskKind = task == "regression" ? .regression : .classification
            let job = FineTuneJob(
                initPath: initPath, initVocabulary: initVocabulary, taskVocabulary: vocab, cased: cased,
                train: URL(fileURLWithPath: train), dev: URL(fileURLWithPath: dev),
                data: TaskDataOptions(
                    kind: kind, numLabels: numLabels, textColumn: textColumn, pairColumn: pairColumn,
                    labelColumn: labelColumn, maxLength: maxLength),
                options: FineTuneOptions(
                    epochs: epochs, batchSize: batchSize, learningRate: lr, warmupRatio: warmupRatio, seed: seed,
                    weightDecay: weightDecay, maxGradNorm: maxGradNorm,
                    sift: sift ? SiFTOptions(initialPerturbation: siftEps, stepSize: siftStep, lambda: siftLambda) : nil
                ),
                output: out, overwrite: overwrite)
            let quiet = json
            let summary = try job.run { m in
                guard !quiet else { return }
                let dev = m.dev.keys.sorted().map { "\($0) \(String(format: "%.4f", m.dev[$0]!))" }.joined(
                    separator: ", ")
                FileHandle.standardError.write(
                    Data(
                        "epoch \(m.epoch): step \(m.step), train loss \(String(format: "%.4f", m.trainLoss)), dev loss \(String(format: "%.4f", m.devLoss)), \(dev)\n"
                            .utf8))
            }
            if json {
                try printJSONSummary(summary)
            } else {
                let last = summary.epochs.last?.dev ?? [:]
                let headline =
                    last["accuracy"].map { "dev accuracy \(String(format: "%.4f", $0))" } ?? last["pearson"].map {
                        "dev pearson \(String(format: "%.4f", $0))"
                    } ?? ""
                let baseline =
                    summary.majorityBaseline.map { " (majority baseline \(String(format: "%.4f", $0)))" } ?? ""
                print(
                    "fine-tuned \(summary.steps) steps on \(summary.trainExamples) examples: \(headline)\(baseline); model in \(out)"
                )
            }
        }
    }
}
