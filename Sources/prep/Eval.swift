import ArgumentParser
import Foundation
import Loading
import Training

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "MLM loss and accuracy of a checkpoint on held-out shards.")

    @Option(help: "Run directory (its newest checkpoint) or a checkpoint directory.")
    var checkpoint: String
    @Option(help: "Held-out dataset directory.")
    var data: String
    @Option(name: .customLong("batch-size"), help: "Sequences per batch (default: the run's).")
    var batchSize: Int?
    @Option(help: "Threads (default: all cores).")
    var threads: Int = DefaultThreads.allCores
    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        var numbers = NumericOptions()
        numbers.check("batch-size", batchSize, .positive)
        numbers.check("threads", threads, .positive)
        try numbers.validate()
    }

    func run() throws {
        BLASThreads.ensureTunedKernel()
        try reportingErrors {
            let r = try EvalCommand.run(checkpoint: checkpoint, data: data, batchSize: batchSize, threads: threads)
            if json {
                let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
                print(String(decoding: try e.encode(r), as: UTF8.self))
            } else {
                print(
                    String(
                        format: "loss %.4f  accuracy %.4f  (%d predictions, %d batches)", r.loss, r.accuracy,
                        r.predictions, r.batches))
            }
        }
    }
}

enum EvalCommand {
    static func run(checkpoint: String, data: String, batchSize: Int?, threads: Int) throws -> EvaluationResult {
        let path = Checkpoint.latest(run: checkpoint) ?? checkpoint
        let state = try Checkpoint.loadState(path)
        Parallel.threads = threads
        BLASThreads.set(1)
        let o = state.options
        let source = try LoaderBatchSource(
            directories: [data],
            options: TrainCommand.evaluationLoaderOptions(
                checkpoint: path, state: state, batchSize: batchSize ?? o.batchSize))
        guard source.vocabularySize == state.config.vocabSize else {
            throw TrainingError.badConfig(
                data, "vocabulary \(source.vocabularySize) differs from the checkpoint's \(state.config.vocabSize)")
        }
        let model = try Checkpoint.loadModel(path, state: state, batchSize: batchSize)
        return try evaluate(model, source: source)
    }
}
