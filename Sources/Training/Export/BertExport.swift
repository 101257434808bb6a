import Foundation

/// Writes a run as a stock Hugging Face BERT directory:
///
///     DIR/model.safetensors        F32 tensors in the layout `ExportLayout` describes:
///                                  `BertForPreTraining` for an `mlm` run (loads as
///                                  BertForMaskedLM, BertForPreTraining and BertModel),
///                                  `BertModel` for `emd`/`bpdec` runs (decoder dropped, or
///                                  kept under its checkpoint names with `withDecoder`)
///     DIR/config.json              BertConfig with that architecture
///     DIR/vocab.txt                the vocabulary the data was tokenized with
///     DIR/tokenizer.json           when given: the fast tokenizer (`AutoTokenizer`)
///     DIR/tokenizer_config.json    BertTokenizer settings (lowercase, accents, CJK)
///     DIR/special_tokens_map.json  the BERT special tokens
///
/// We pretrain without next-sentence prediction, so the pooler and the NSP head are untrained:
/// `transformers` would initialise them randomly with a "newly initialized" warning, so we
/// write them initialised as HF would (weights N(0, initializer_range), biases 0; seeded) and
/// say so in the file's metadata. Fine-tuning heads that read the pooler train it anyway.
///
/// The directory is built under `DIR.partial-PID` and renamed into place: a crash never
/// leaves a directory that looks like a finished export.
public enum BertExport {
    public struct Options: Sendable, Equatable {
        /// `emd`/`bpdec`: keep the decoder and its MLM head under their checkpoint names.
        public var withDecoder = false
        /// Seed of the untrained pooler and NSP head.
        public var seed: UInt64 = 0
        public init(withDecoder: Bool = false, seed: UInt64 = 0) { self.withDecoder = withDecoder; self.seed = seed }
    }

    public struct Summary: Sendable, Equatable, Codable {
        public var checkpoint: String
        public var output: String
        public var decoder: String
        /// The `transformers` class of config.json's `architectures`.
        public var architecture: String
        /// Every tensor written, in file order.
        public var exported: [String]
        /// Written freshly initialised (not trained): pooler, NSP head.
        public var untrained: [String]
        /// Checkpoint tensors not written.
        public var dropped: [String]
        public var files: [String]
        public var bytes: Int
        /// What a user must know about the export (dropped decoder head, untrained heads).
        public var notes: [String]
    }

    /// Exports the newest checkpoint of `run` (or `run` itself when it is a checkpoint directory).
    public static func export(
        run: String, output: String, tokenizer: ExportTokenizer, options: Options = Options()
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
        try tokenizer.validate(size: config.vocabSize)
        let kind = state.options.decoder.kind
        let plan = ExportLayout.make(
            config: config, decoder: kind, checkpoint: weights.entries, withDecoder: options.withDecoder)
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
            let arena = ParameterArena(layout: plan.layout)
            arena.initialize(std: config.initializerRange, seed: options.seed)  // only untrained tensors keep these
            for t in plan.layout.tensors {
                guard let source = plan.sources[t.name] else { continue }
                try weights.read(source, into: arena.value(t))
            }
            let used = Set(plan.sources.values)
            let dropped = weights.entries.keys.filter { !used.contains($0) }.sorted()
            let tensors = plan.layout.tensors.map {
                SafeTensors.Tensor(name: $0.name, shape: $0.shape, data: UnsafeBufferPointer(arena.value($0)))
            }
            let notes = Self.notes(kind: kind, plan: plan, dropped: dropped, options: options)
            var metadata = [
                "format": "pt", "exported_by": "prep export", "checkpoint": path, "decoder": kind.rawValue,
            ]
            for (role, _) in plan.untrained {
                metadata[role] =
                    "untrained: initialised as HF \(plan.architecture) would (normal(0, initializer_range), zero bias), seed \(options.seed)"
            }
            if kind != .mlm {
                metadata["mlm_head"] =
                    options.withDecoder
                    ? "the \(kind.rawValue) decoder and its MLM head, kept under their checkpoint names (decoder.*, cls.*); transformers ignores them"
                    : "dropped: it belongs to the \(kind.rawValue) decoder, not the encoder"
            }
            let data = try SafeTensors.encode(tensors, metadata: metadata)
            var files: [(String, Data)] = [
                ("model.safetensors", data),
                ("config.json", try HFConfigFiles.config(config, architecture: plan.architecture)),
                ("vocab.txt", tokenizer.vocabularyText),
            ]
            if let json = tokenizer.tokenizerJSON { files.append(("tokenizer.json", json)) }
            files.append(("tokenizer_config.json", try HFConfigFiles.tokenizerConfig(config, tokenizer)))
            files.append(("special_tokens_map.json", try HFConfigFiles.specialTokensMap(tokenizer)))
            for (name, bytes) in files { try AtomicFile.write(bytes, to: staging + "/" + name) }
            guard rename(staging, output) == 0 else {
                throw TrainingError.io(output, "rename from \(staging) failed: errno \(errno)")
            }
            AtomicFile.syncDirectory(of: output)
            return Summary(
                checkpoint: path, output: output, decoder: kind.rawValue, architecture: plan.architecture,
                exported: plan.layout.tensors.map(\.name), untrained: plan.untrained.values.flatMap { $0 }.sorted(),
                dropped: dropped, files: files.map(\.0), bytes: data.count, notes: notes)
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
    }

    static func notes(
        kind: DecoderOptions.Kind, plan: ExportLayout, dropped: [String], options: Options
    ) -> [String] {
        var notes: [String] = []
        switch kind {
        case .mlm:
            notes.append(
                "BertForPreTraining layout: encoder and trained MLM head (loads as BertForMaskedLM, BertForPreTraining, BertModel)"
            )
        case .emd, .bpdec:
            if options.withDecoder {
                notes.append(
                    "the MLM head belongs to the \(kind.rawValue) decoder: kept with it under its checkpoint names (decoder.*, cls.*), which transformers ignores"
                )
            } else {
                notes.append(
                    "the MLM head belongs to the \(kind.rawValue) decoder and was dropped with it (\(dropped.count) tensors; --with-decoder keeps them): BertModel layout, encoder only"
                )
            }
        }
        let untrained = plan.untrained.keys.sorted().map { $0 == "seq_relationship" ? "NSP head" : $0 }
        if !untrained.isEmpty {
            notes.append(
                "\(untrained.joined(separator: " and ")) untrained (no next-sentence prediction): initialised as HF would, seed \(options.seed)"
            )
        }
        return notes
    }
}
