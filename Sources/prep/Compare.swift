import ArgumentParser
import Foundation
import Training

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Held-out MLM loss and accuracy of several runs side by side, and their loss curves as an SVG.",
        discussion: """
            Without --eval-data (or --synthetic-eval) the held-out numbers are the last eval_loss / \
            eval_accuracy each run logged with --eval-every. Note that the held-out MLM loss includes \
            each run's own decoder: it measures the pretraining objective, not the exported encoder.
            """)

    @Argument(help: "Run directories.")
    var runs: [String]
    @Option(
        name: .customLong("eval-data"),
        help: "Held-out dataset directory: evaluate every run's newest checkpoint on it.")
    var evalData: String?
    @Option(
        name: .customLong("synthetic-eval"),
        help: "Evaluate on N held-out synthetic batches (runs trained with --synthetic-vocab).")
    var syntheticEval: Int?
    @Option(help: "Labels for the runs, comma-separated (default: directory names).")
    var labels: String?
    @Option(help: "Write the loss-curve picture here (SVG).")
    var svg: String?
    @Option(help: "Title of the picture.")
    var title: String = "MLM loss"
    @Option(help: "Threads (default: all cores).")
    var threads: Int = DefaultThreads.allCores
    @Flag(help: "Print the summaries as JSON lines instead of a Markdown table.")
    var json = false

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run directory") }
        if let labels, labels.split(separator: ",").count != runs.count {
            throw ValidationError("--labels has \(labels.split(separator: ",").count) entries for \(runs.count) runs")
        }
        guard evalData == nil || syntheticEval == nil else {
            throw ValidationError("--eval-data and --synthetic-eval exclude each other")
        }
        var numbers = NumericOptions()
        numbers.check("synthetic-eval", syntheticEval, .positive)
        numbers.check("threads", threads, .positive)
        try numbers.validate()
    }

    func run() throws {
        try reportingErrors {
            let names =
                labels.map { $0.split(separator: ",").map(String.init) }
                ?? runs.map { ($0 as NSString).lastPathComponent }
            let summaries = try CompareCommand.run(
                runs: runs, labels: names, evalData: evalData, syntheticEval: syntheticEval,
                svg: svg, title: title, threads: threads)
            if json {
                let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
                for s in summaries { print(String(decoding: try e.encode(s), as: UTF8.self)) }
            } else {
                print(RunComparison.table(summaries), terminator: "")
            }
        }
    }
}

enum CompareCommand {
    static func run(
        runs: [String], labels: [String], evalData: String?, syntheticEval: Int?, svg: String?,
        title: String, threads: Int
    ) throws -> [RunSummary] {
        Parallel.threads = max(1, threads)
        var summaries: [RunSummary] = []
        var curves: [(label: String, metrics: [StepMetrics])] = []
        for (run, label) in zip(runs, labels) {
            let m = try RunComparison.metrics(run: run)
            let state = Checkpoint.latest(run: run).flatMap { try? Checkpoint.loadState($0) }
            var s = RunComparison.summarize(run: run, label: label, metrics: m, state: state)
            if evalData != nil || syntheticEval != nil {
                let path = Checkpoint.latest(run: run) ?? run
                let st = try Checkpoint.loadState(path)
                let model = try Checkpoint.loadModel(path, state: st)
                let o = st.options
                let source: BatchSource
                if let evalData {
                    source = try LoaderBatchSource(
                        directories: [evalData],
                        options: TrainCommand.evaluationLoaderOptions(
                            checkpoint: path, state: st, batchSize: o.batchSize))
                } else {
                    // A seed no training run uses: batches from the same distribution, never trained on.
                    source = SyntheticBatchSource(
                        vocabularySize: st.config.vocabSize, batchSize: o.batchSize, length: o.maxLength,
                        maxPredictions: o.maxPredictions, seed: 0xE7A1_0000_0000_0001, learnable: true)
                }
                let r = try evaluate(model, source: source, maxBatches: syntheticEval ?? .max)
                s.evalLoss = r.loss; s.evalAccuracy = r.accuracy; s.evalPredictions = r.predictions
                s.evalSource = evalData ?? "synthetic held-out (\(r.batches) batches)"
            }
            summaries.append(s)
            curves.append((label, m))
        }
        if let svg {
            let data = Data(RunComparison.svg(curves, title: title).utf8)
            let tmp = svg + ".tmp-\(getpid())"
            guard FileManager.default.createFile(atPath: tmp, contents: data), rename(tmp, svg) == 0 else {
                unlink(tmp)
                throw TrainingError.io(svg, "cannot write the picture")
            }
        }
        return summaries
    }
}
