import Foundation
import Tokenization
import Training

/// A fine-tuned model directory, which is also a stock Hugging Face one:
///
///     DIR/model.safetensors        `BertForSequenceClassification` names (bert.*, classifier.*)
///     DIR/config.json              BertConfig + architectures, id2label/label2id, problem_type
///     DIR/vocab.txt, tokenizer.json, tokenizer_config.json, special_tokens_map.json
///     DIR/finetune.json            how the task files were read (columns, max length, labels),
///                                  the options and the final dev metrics; written last
///
/// `prep finetune --out DIR` writes it, `prep predict --model DIR` reads it, and `prep export`
/// of it copies it (the layout already is transformers').
public struct FineTunedModel: Sendable {
    public static let marker = "finetune.json"

    /// What `finetune.json` records.
    public struct Record: Sendable, Codable {
        public var format = 1
        public var kind: String
        public var labelNames: [String]
        public var numLabels: Int
        public var textColumn: String?, pairColumn: String?, labelColumn: String?
        public var maxLength: Int
        public var lowercase: Bool
        public var initializedFrom: String
        public var options: FineTuneOptions
        public var final: EpochMetrics?

        enum CodingKeys: String, CodingKey {
            case format, kind, labelNames = "label_names", numLabels = "num_labels", textColumn = "text_column"
            case pairColumn = "pair_column", labelColumn = "label_column", maxLength = "max_length", lowercase
            case initializedFrom = "init", options, final
        }

        public init(
            kind: TaskKind, labelNames: [String], numLabels: Int, data: TaskDataOptions, lowercase: Bool,
            initializedFrom: String, options: FineTuneOptions, final: EpochMetrics?
        ) {
            self.kind = kind.rawValue; self.labelNames = labelNames; self.numLabels = numLabels
            textColumn = data.textColumn; pairColumn = data.pairColumn; labelColumn = data.labelColumn
            maxLength = data.maxLength; self.lowercase = lowercase; self.initializedFrom = initializedFrom
            self.options = options; self.final = final
        }

        public var taskKind: TaskKind { TaskKind(rawValue: kind) ?? .classification }
    }

    public static func isFineTuned(_ dir: String) -> Bool {
        FileManager.default.fileExists(atPath: dir + "/" + marker)
    }

    /// Writes the model files into `dir` (which exists), `finetune.json` last.
    public static func write(
        _ c: SequenceClassifier, record: Record, vocabulary: Vocabulary, normalizer: NormalizerOptions, to dir: String
    ) throws {
        let config = c.network.config
        let names =
            c.kind == .regression
            ? ["LABEL_0"]
            : record.labelNames.isEmpty
                ? (0..<c.labels).map { "LABEL_\($0)" } : record.labelNames
        var hf: [String: Any] = [
            "architectures": ["BertForSequenceClassification"], "model_type": "bert",
            "vocab_size": config.vocabSize, "hidden_size": config.hiddenSize,
            "num_hidden_layers": config.numHiddenLayers, "num_attention_heads": config.numAttentionHeads,
            "intermediate_size": config.intermediateSize, "hidden_act": config.hiddenAct,
            "hidden_dropout_prob": Double(config.hiddenDropoutProb),
            "attention_probs_dropout_prob": Double(config.attentionProbsDropoutProb),
            "max_position_embeddings": config.maxPositionEmbeddings, "type_vocab_size": config.typeVocabSize,
            "initializer_range": Double(config.initializerRange), "layer_norm_eps": Double(config.layerNormEps),
            "pad_token_id": config.padTokenId, "position_embedding_type": "absolute", "dtype": "float32",
            "problem_type": c.kind == .regression ? "regression" : "single_label_classification",
        ]
        var id2label: [String: String] = [:], label2id: [String: Int] = [:]
        for (i, n) in names.enumerated() { id2label["\(i)"] = n; label2id[n] = i }
        hf["id2label"] = id2label; hf["label2id"] = label2id
        let json: (Any) throws -> Data = {
            try JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys])
        }
        var special: [String: String] = [:]
        let present = Set(vocabulary.tokens)
        for (role, t) in [
            ("unk_token", "[UNK]"), ("sep_token", "[SEP]"), ("pad_token", "[PAD]"), ("cls_token", "[CLS]"),
            ("mask_token", "[MASK]"),
        ] where present.contains(t) { special[role] = t }
        var tokenizerConfig: [String: Any] = [
            "tokenizer_class": "BertTokenizer", "do_lower_case": normalizer.lowercase,
            "tokenize_chinese_chars": normalizer.handleChineseChars,
            "strip_accents": normalizer.stripAccents.map { $0 as Any } ?? NSNull(),
            "model_max_length": config.maxPositionEmbeddings,
        ]
        for (k, v) in special { tokenizerConfig[k] = v }
        let files: [(String, Data)] = [
            (
                "model.safetensors",
                try c.network.safetensors(metadata: ["format": "pt", "exported_by": "prep finetune"])
            ),
            ("config.json", try json(hf)),
            ("vocab.txt", Data((vocabulary.tokens.joined(separator: "\n") + "\n").utf8)),
            ("tokenizer.json", Data(TokenizerJSONWriter.bytes(for: vocabulary, normalizer: normalizer))),
            ("tokenizer_config.json", try json(tokenizerConfig)),
            ("special_tokens_map.json", try json(special)),
        ]
        for (name, data) in files { try AtomicFile.write(data, to: dir + "/" + name) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(record), to: dir + "/" + marker)
    }

    /// A fine-tuned directory's record, classifier (weights loaded) and tokenizer.
    public static func load(_ dir: String, maxBatch: Int) throws -> (Record, SequenceClassifier, BertTokenizer) {
        let recordPath = dir + "/" + marker
        let record: Record
        do {
            record = try JSONDecoder().decode(Record.self, from: Data(contentsOf: URL(fileURLWithPath: recordPath)))
        } catch {
            throw TrainingError.badCheckpoint(
                recordPath, "not a fine-tuned model directory (\(error.localizedDescription))")
        }
        let source = try PretrainedEncoder.locate(dir)
        let kind: HeadKind = record.taskKind == .regression ? .regression : .classification
        let c = try SequenceClassifier(
            config: source.config, kind: kind, labels: record.numLabels, maxBatch: maxBatch,
            maxLength: record.maxLength > 0 ? record.maxLength : source.config.maxPositionEmbeddings)
        let loaded = try c.network.load(source, head: c.headTensorSpecs)
        guard loaded.count == SequenceClassifier.headTensors.count else {
            throw TrainingError.badSafetensors(dir + "/model.safetensors", "the classifier head is missing")
        }
        let vocabulary = try Vocabulary(path: dir + "/tokenizer.json")
        return (record, c, BertTokenizer(vocabulary: vocabulary, normalizer: vocabulary.normalizer))
    }

    /// `prep export` of a fine-tuned directory: its transformers files copied to `output`
    /// (built under `output.partial-PID`, renamed into place). Returns the files written.
    public static func export(_ dir: String, to output: String) throws -> [String] {
        let fm = FileManager.default
        let staging = output + ".partial-\(getpid())"
        try? fm.removeItem(atPath: staging)
        do { try fm.createDirectory(atPath: staging, withIntermediateDirectories: true) } catch {
            throw TrainingError.io(staging, "cannot create directory: \(error.localizedDescription)")
        }
        let names = [
            "model.safetensors", "config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json",
        ]
        do {
            for n in names {
                guard let d = fm.contents(atPath: dir + "/" + n) else {
                    throw TrainingError.badCheckpoint(dir, "\(n) is missing")
                }
                try AtomicFile.write(d, to: staging + "/" + n)
            }
            if fm.fileExists(atPath: output) { try? fm.removeItem(atPath: output) }
            guard rename(staging, output) == 0 else {
                throw TrainingError.io(output, "rename from \(staging) failed: errno \(errno)")
            }
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
        return names
    }
}
