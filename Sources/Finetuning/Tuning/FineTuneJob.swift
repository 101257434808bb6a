import Foundation
import Tokenization
import Training

/// `prep finetune` as one library call: checks the vocabulary against the initial weights,
/// reads the task files, builds the classifier from `--init`, trains, writes
/// `DIR/metrics.jsonl` after every epoch and the model directory at the end.
public struct FineTuneJob {
    public var initPath: String
    /// The vocabulary that goes with `initPath` (an export's own, a run's training data's).
    public var initVocabulary: String
    /// `--vocab`: must hold the same tokens as `initVocabulary`; nil: that one.
    public var taskVocabulary: String?
    public var cased = false
    public var train: URL, dev: URL
    public var data: TaskDataOptions
    public var options: FineTuneOptions
    public var output: String
    public var overwrite = false

    public init(
        initPath: String, initVocabulary: String, taskVocabulary: String?, cased: Bool, train: URL, dev: URL,
        data: TaskDataOptions, options: FineTuneOptions, output: String, overwrite: Bool
    ) {
        self.initPath = initPath; self.initVocabulary = initVocabulary; self.taskVocabulary = taskVocabulary
        self.cased = cased; self.train = train; self.dev = dev; self.data = data; self.options = options
        self.output = output; self.overwrite = overwrite
    }

    public struct Summary: Sendable, Codable {
        public var output: String
        public var initializedFrom: String
        public var kind: String
        public var labels: [String]
        public var trainExamples: Int, devExamples: Int
        public var steps: Int
        public var parameters: Int
        /// Dev accuracy of always predicting the commonest training label (classification).
        public var majorityBaseline: Double?
        public var epochs: [EpochMetrics]
        enum CodingKeys: String, CodingKey {
            case output, initializedFrom = "init", kind, labels, trainExamples = "train_examples"
            case devExamples = "dev_examples", steps, parameters, majorityBaseline = "majority_baseline", epochs
        }
    }

    /// Refuses an existing, non-empty `output` unless `overwrite` (then clears it), as
    /// `prep train` does with a run directory.
    public static func prepareOutput(_ output: String, overwrite: Bool) throws {
        let fm = FileManager.default
        if let contents = try? fm.contentsOfDirectory(atPath: output), !contents.isEmpty {
            guard overwrite else {
                throw TrainingError.io(
                    output, "already exists and is not empty; pass --overwrite to replace it or choose another --out")
            }
            try? fm.removeItem(atPath: output)
        }
        do { try fm.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw TrainingError.io(output, "cannot create directory: \(error.localizedDescription)")
        }
    }

    public func run(epochDone: (EpochMetrics) -> Void = { _ in }) throws -> Summary {
        let source = try PretrainedEncoder.locate(initPath)
        let vocabulary = try Vocabulary(path: initVocabulary)
        if let taskVocabulary {
            let task = try Vocabulary(path: taskVocabulary)
            if task.tokens != vocabulary.tokens {
                let firstDiff = zip(task.tokens, vocabulary.tokens).enumerated().first { $0.element.0 != $0.element.1 }
                let at = firstDiff.map { "first difference at id \($0.offset)" } ?? "one is a prefix of the other"
                throw TrainingError.badConfig(
                    taskVocabulary,
                    "vocabulary differs from \(initVocabulary), the one \(initPath) was trained with (\(task.tokens.count) vs \(vocabulary.tokens.count) tokens, \(at))"
                )
            }
        }
        guard vocabulary.tokens.count == source.config.vocabSize else {
            throw TrainingError.badConfig(
                initVocabulary,
                "\(vocabulary.tokens.count) tokens, but the model at \(initPath) has vocab_size \(source.config.vocabSize)"
            )
        }
        var normalizer = vocabulary.normalizer ?? NormalizerOptions()
        if cased { normalizer.lowercase = false }
        let tokenizer = BertTokenizer(vocabulary: vocabulary, normalizer: normalizer)
        var data = self.data
        if data.maxLength == 0 || data.maxLength > source.config.maxPositionEmbeddings {
            data.maxLength = source.config.maxPositionEmbeddings
        }
        let trainSet = try TaskDataset.load(train, options: data, tokenizer: tokenizer, labelNames: nil)
        let devSet = try TaskDataset.load(
            dev, options: data, tokenizer: tokenizer,
            labelNames: trainSet.kind == .classification ? trainSet.labelNames : nil)
        guard !trainSet.examples.isEmpty else { throw TaskDataError(path: train.path, detail: "no examples") }
        let kind: HeadKind = trainSet.kind == .regression ? .regression : .classification
        let labels = kind == .regression ? 1 : max(data.numLabels ?? 0, trainSet.labelNames.count, 2)
        if options.sift != nil && kind == .regression {
            throw TrainingError.badConfig(
                "--sift",
                "SiFT's symmetric KL over a regression head's single output is identically zero (as in DeBERTa's sift.py); use it for classification"
            )
        }
        let classifier = try SequenceClassifier(
            config: source.config, kind: kind, labels: labels, maxBatch: options.batchSize, maxLength: data.maxLength,
            slots: options.sift == nil ? 1 : 2, weightDecay: options.weightDecay)
        classifier.network.initialize(seed: options.seed)
        try classifier.network.load(source, head: classifier.headTensorSpecs)
        try Self.prepareOutput(output, overwrite: overwrite)
        let pad = vocabulary.special.padding ?? UInt32(source.config.padTokenId)
        let tuner = FineTuner(classifier: classifier, train: trainSet, dev: devSet, options: options, pad: pad)
        var lines = Data()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let history = try tuner.run { m in
            lines.append(try encoder.encode(m)); lines.append(0x0A)
            try AtomicFile.write(lines, to: output + "/metrics.jsonl")
            epochDone(m)
        }
        let record = FineTunedModel.Record(
            kind: trainSet.kind, labelNames: trainSet.labelNames, numLabels: labels, data: data,
            lowercase: normalizer.lowercase, initializedFrom: initPath, options: options, final: history.last)
        try FineTunedModel.write(classifier, record: record, vocabulary: vocabulary, normalizer: normalizer, to: output)
        var baseline: Double?
        if kind == .classification, !devSet.examples.isEmpty {
            var counts = [Int](repeating: 0, count: labels)
            for e in trainSet.examples { counts[Int(e.label)] += 1 }
            let majority = counts.indices.max { counts[$0] < counts[$1] }!
            baseline =
                Double(devSet.examples.filter { Int($0.label) == majority }.count) / Double(devSet.examples.count)
        }
        return Summary(
            output: output, initializedFrom: source.path, kind: trainSet.kind.rawValue, labels: trainSet.labelNames,
            trainExamples: trainSet.examples.count, devExamples: devSet.examples.count, steps: tuner.step,
            parameters: classifier.network.parameterCount, majorityBaseline: baseline, epochs: history)
    }
}
