import ArgumentParser
import Finetuning
import Foundation
import Training

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict with a fine-tuned model (prep finetune --out, or its export): one JSON line per row.",
        discussion: """
            Reads --input with the columns and truncation the model was fine-tuned with (the label \
            column may be absent). Each line: {"line", "label", "probabilities", "logits"} for \
            classification, {"line", "value", "logits"} for regression. See docs/finetuning.md.
            """)

    @Option(help: "Fine-tuned model directory.")
    var model: String
    @Option(help: "Task file (.tsv GLUE layout, or .jsonl).")
    var input: String
    @Option(name: .customLong("batch-size"), help: "Rows per forward pass.")
    var batchSize: Int = 32
    @Option(help: "Threads for the kernels.")
    var threads: Int = DefaultThreads.allCores
    @Flag(help: "Print a JSON summary line after the predictions.")
    var json = false

    func validate() throws {
        var numbers = NumericOptions()
        numbers.check("batch-size", batchSize, .positive)
        numbers.check("threads", threads, .positive)
        try numbers.validate()
    }

    struct Summary: Encodable { var model: String, input: String, rows: Int }

    func run() throws {
        BLASThreads.ensureTunedKernel()
        Parallel.threads = threads
        try reportingErrors {
            let rows = try Prediction.run(model: model, input: URL(fileURLWithPath: input), batchSize: batchSize)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var out = Data()
            for r in rows {
                out.append(try encoder.encode(r)); out.append(10)
            }
            FileHandle.standardOutput.write(out)
            if json { try printJSONSummary(Summary(model: model, input: input, rows: rows.count)) }
        }
    }
}
