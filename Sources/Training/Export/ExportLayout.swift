/// Which tensors an export writes, in which order and under which names, and where each
/// one's values come from: a checkpoint tensor, or a fresh initialisation (heads we do not
/// train but `transformers` expects).
///
/// - `mlm` runs: `BertForPreTraining` — `bert.*` (encoder and pooler), the MLM head
///   `cls.predictions.*` exactly as trained (our checkpoint already uses HF's names) and the
///   NSP head `cls.seq_relationship.*`. The head's output matrix is tied to the word
///   embeddings (`tie_word_embeddings`), so, as `save_pretrained` does, it is not stored twice.
/// - `emd`/`bpdec` runs: `BertModel` (no `bert.` prefix, pooler). Their MLM head reads the
///   decoder's output, not the encoder's, so a `BertForMaskedLM` built from it would predict
///   from the wrong states; it is dropped, or kept with `withDecoder` under the checkpoint's
///   own names (`decoder.layer.N.*`, `cls.predictions.*`), which `transformers` ignores.
struct ExportLayout {
    var architecture: String
    var layout = ParameterLayout()
    /// Exported name → checkpoint name; tensors absent here are freshly initialised.
    var sources: [String: String] = [:]
    /// Freshly initialised tensors by what they are ("pooler", "seq_relationship").
    var untrained: [String: [String]] = [:]

    static func make(
        config c: ModelConfig, decoder: DecoderOptions.Kind, checkpoint: [String: SafeTensors.Entry],
        withDecoder: Bool
    ) -> ExportLayout {
        let h = c.hiddenSize
        switch decoder {
        case .mlm:
            var e = ExportLayout(architecture: "BertForPreTraining")
            let encoder = TransformerEncoder.register(config: c, prefix: "bert.", into: &e.layout)
            e.fresh("pooler", "bert.pooler.dense.weight", [h, h])
            e.fresh("pooler", "bert.pooler.dense.bias", [h])
            _ = MLMHead.register(config: c, wordEmbeddings: encoder.embeddings.word, into: &e.layout)
            e.fresh("seq_relationship", "cls.seq_relationship.weight", [2, h])
            e.fresh("seq_relationship", "cls.seq_relationship.bias", [2])
            for t in e.layout.tensors where !e.isFresh(t.name) { e.sources[t.name] = t.name }
            return e
        case .emd, .bpdec:
            var e = ExportLayout(architecture: "BertModel")
            _ = TransformerEncoder.register(config: c, prefix: "", into: &e.layout)
            for t in e.layout.tensors { e.sources[t.name] = "bert." + t.name }
            e.fresh("pooler", "pooler.dense.weight", [h, h])
            e.fresh("pooler", "pooler.dense.bias", [h])
            if withDecoder {
                for name in checkpoint.keys.sorted() where !name.hasPrefix("bert.") {
                    _ = e.layout.add(name, checkpoint[name]!.shape)
                    e.sources[name] = name
                }
            }
            return e
        }
    }

    private mutating func fresh(_ role: String, _ name: String, _ shape: [Int]) {
        _ = layout.add(name, shape)
        untrained[role, default: []].append(name)
    }

    private func isFresh(_ name: String) -> Bool { untrained.values.contains { $0.contains(name) } }
}
