import Foundation

/// Writes a run's encoder as a stock Hugging Face BERT (`transformers.BertModel`):
///
///     DIR/model.safetensors        embeddings.* and encoder.layer.N.* (BertModel names, no
///                                  `bert.` prefix) + pooler.dense.* ; F32
///     DIR/config.json              BertConfig, architectures ["BertModel"]
///     DIR/vocab.txt                the vocabulary the data was tokenized with
///     DIR/tokenizer_config.json    BertTokenizer settings
///
/// Decoder tensors (`cls.*`, BPDec's `decoder.*`) are dropped: the decoder exists only for
/// pretraining. We pretrain without next-sentence prediction, so there is no trained pooler;
/// `BertModel` has one by default (`add_pooling_layer=True`) and would initialise it randomly
/// with a "newly initialized" warning, so we write one initialised exactly as HF would
/// (weight N(0, initializer_range), bias 0; seeded) and say so in the file's metadata.
/// Fine-tuning heads that read the pooler (`BertForSequenceClassification`) train it anyway.
///
/// The directory is built under `DIR.partial-PID` and renamed into place: a crash never
/// leaves a directory that looks like a finished export.
public enum BertExport {
    public struct Summary: Sendable, Equatable {
        public var checkpoint: String
        public var exported: [String]
        public var dropped: [String]
        public var bytes: Int
    }

    /// Exports the newest checkpoint of `run` (or `run` itself when it is a checkpoint directory).
    public static func export(
        run: String, output: String, vocabulary: String, lowercase: Bool = true,
        poolerSeed: UInt64 = 0
    ) throws -> Summary {
        let path = Checkpoint.latest(run: run) ?? run
        let state = try Checkpoint.loadState(path)
        let config = state.config
        if config.relativeAttention {
            throw TrainingError.badConfig(
                path,
                "the encoder uses disentangled (relative) attention, which BertModel cannot represent; exporting it in the DebertaV2 layout is not implemented"
            )
        }
        let weights = try SafeTensors.File(path: path + "/model.safetensors")
        let vocab = try readVocabulary(vocabulary, size: config.vocabSize)
        let fm = FileManager.default
        if fm.fileExists(atPath: output) {
            let contents = (try? fm.contentsOfDirectory(atPath: output)) ?? ["?"]
            guard contents.isEmpty else {
                throw TrainingError.io(output, "already exists and is not empty; remove it or choose another --output")
            }
            try? fm.removeItem(atPath: output)
        }
        let staging = output + ".partial-\(getpid())"
        try? fm.removeItem(atPath: staging)
        do { try fm.createDirectory(atPath: staging, withIntermediateDirectories: true) } catch {
            throw TrainingError.io(staging, "cannot create directory: \(error.localizedDescription)")
        }
        do {
            // BertModel's tensors in our layout order, then the pooler.
            var layout = ParameterLayout()
            _ = TransformerEncoder.register(config: config, prefix: "", into: &layout)
            _ = layout.add("pooler.dense.weight", [config.hiddenSize, config.hiddenSize])
            _ = layout.add("pooler.dense.bias", [config.hiddenSize])
            let arena = ParameterArena(layout: layout)
            arena.initialize(std: config.initializerRange, seed: poolerSeed)  // only the pooler keeps these values
            var exported: [String] = []
            for t in layout.tensors where !t.name.hasPrefix("pooler.") {
                try weights.read("bert." + t.name, into: arena.value(t))
                exported.append(t.name)
            }
            let kept = Set(exported.map { "bert." + $0 })
            let dropped = weights.entries.keys.filter { !kept.contains($0) }.sorted()
            let tensors = layout.tensors.map {
                SafeTensors.Tensor(name: $0.name, shape: $0.shape, data: UnsafeBufferPointer(arena.value($0)))
            }
            let data = try SafeTensors.encode(
                tensors,
                metadata: [
                    "format": "pt", "exported_by": "prep export", "checkpoint": path,
                    "pooler":
                        "untrained: initialised as HF BertModel would (normal(0, initializer_range), zero bias), seed \(poolerSeed)",
                ])
            try AtomicFile.write(data, to: staging + "/model.safetensors")
            try AtomicFile.write(try hfConfig(config), to: staging + "/config.json")
            try AtomicFile.write(Data((vocab.joined(separator: "\n") + "\n").utf8), to: staging + "/vocab.txt")
            try AtomicFile.write(
                try tokenizerConfig(config, lowercase: lowercase), to: staging + "/tokenizer_config.json")
            guard rename(staging, output) == 0 else {
                throw TrainingError.io(output, "rename from \(staging) failed: errno \(errno)")
            }
            AtomicFile.syncDirectory(of: output)
            return Summary(checkpoint: path, exported: layout.tensors.map(\.name), dropped: dropped, bytes: data.count)
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
    }

    /// `vocab.txt`: one token per line, exactly `size` of them, no duplicates.
    static func readVocabulary(_ path: String, size: Int) throws -> [String] {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw TrainingError.badConfig(path, "cannot read the vocabulary")
        }
        guard let text = String(data: d, encoding: .utf8) else {
            throw TrainingError.badConfig(path, "vocabulary is not valid UTF-8")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        lines = lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        guard lines.count == size else {
            throw TrainingError.badConfig(path, "vocabulary has \(lines.count) entries, the model \(size)")
        }
        var seen: [String: Int] = [:]
        for (i, t) in lines.enumerated() {
            if let first = seen[t] {
                throw TrainingError.badConfig(path, "line \(i + 1): token \"\(t)\" duplicates line \(first + 1)")
            }
            seen[t] = i
        }
        return lines
    }

    /// HF `BertConfig` for `BertModel`.
    static func hfConfig(_ c: ModelConfig) throws -> Data {
        let o: [String: Any] = [
            "architectures": ["BertModel"], "model_type": "bert",
            "vocab_size": c.vocabSize, "hidden_size": c.hiddenSize, "num_hidden_layers": c.numHiddenLayers,
            "num_attention_heads": c.numAttentionHeads, "intermediate_size": c.intermediateSize,
            "hidden_act": c.hiddenAct, "hidden_dropout_prob": Double(c.hiddenDropoutProb),
            "attention_probs_dropout_prob": Double(c.attentionProbsDropoutProb),
            "max_position_embeddings": c.maxPositionEmbeddings, "type_vocab_size": c.typeVocabSize,
            "initializer_range": Double(c.initializerRange), "layer_norm_eps": Double(c.layerNormEps),
            "pad_token_id": c.padTokenId, "position_embedding_type": "absolute", "dtype": "float32",
        ]
        return try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys])
    }

    static func tokenizerConfig(_ c: ModelConfig, lowercase: Bool) throws -> Data {
        let o: [String: Any] = [
            "tokenizer_class": "BertTokenizer", "do_lower_case": lowercase, "tokenize_chinese_chars": true,
            "model_max_length": c.maxPositionEmbeddings,
            "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
            "mask_token": "[MASK]",
        ]
        return try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys])
    }
}
