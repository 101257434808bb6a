import Foundation
import Tokenization
import Training

/// `prep predict`: a fine-tuned model directory's predictions for every row of a task file
/// (read with the columns and truncation the model was trained with; labels not needed).
public enum Prediction {
    public struct Row: Sendable, Codable, Equatable {
        /// 1-based line of the row in the input file.
        public var line: Int
        /// Classification: the predicted label's name (as in the training file).
        public var label: String?
        /// Classification: softmax of the logits, in label-index order.
        public var probabilities: [Double]?
        /// Regression: the predicted value.
        public var value: Double?
        public var logits: [Float]
    }

    public static func run(model: String, input: URL, batchSize: Int = 32) throws -> [Row] {
        let (record, classifier, tokenizer) = try FineTunedModel.load(model, maxBatch: batchSize)
        let options = TaskDataOptions(
            kind: record.taskKind, numLabels: record.taskKind == .classification ? record.numLabels : nil,
            textColumn: record.textColumn, pairColumn: record.pairColumn, labelColumn: record.labelColumn,
            maxLength: record.maxLength, requireLabels: false)
        let data = try TaskDataset.load(
            input, options: options, tokenizer: tokenizer,
            labelNames: record.taskKind == .classification ? record.labelNames : nil)
        let pad = UInt32(classifier.network.config.padTokenId)
        let logits = try FineTuner.logits(classifier, data.examples, batchSize: batchSize, pad: pad)
        let k = classifier.labels
        return data.examples.enumerated().map { i, e in
            let z = Array(logits[(i * k)..<((i + 1) * k)])
            if classifier.kind == .regression {
                return Row(line: e.line, label: nil, probabilities: nil, value: Double(z[0]), logits: z)
            }
            let p = TaskLoss.softmax(z, row: 0, classes: k)
            let best = (0..<k).max { p[$0] < p[$1] }!
            let name = best < record.labelNames.count ? record.labelNames[best] : "LABEL_\(best)"
            return Row(line: e.line, label: name, probabilities: p.map(Double.init), value: nil, logits: z)
        }
    }
}
