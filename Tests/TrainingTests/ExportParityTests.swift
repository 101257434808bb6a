import XCTest
import Foundation
import Batches
@testable import Training

/// `prep export` and our model against `transformers`. The fixture
/// (`Scripts/reference/check_export.py fixture`) holds weights `prep export` wrote from an
/// `mlm` run in the BertForPreTraining layout (which transformers loaded exactly as its own
/// checkpoints), a batch of Corpora/ lines tokenized by AutoTokenizer from the exported
/// tokenizer.json with some positions [MASK]ed, transformers' last hidden states and
/// masked-position MLM logits, and the key sets transformers' `save_pretrained` writes for
/// BertForPreTraining and BertModel. `DRBERT_EXPORT_FIXTURE` points at a fresh one (live check).
final class ExportParityTests: XCTestCase {
    struct ExportFixture {
        let file: SafeTensors.File
        let config: ModelConfig
        let batch: Batch
        let pretrainingKeys: [String]
        let bertModelKeys: [String]
        let vocab: [String]

        init() throws {
            file = try .testFixture("bert_export_parity", unlessSetIn: "DRBERT_EXPORT_FIXTURE")
            config = try file.fixtureConfig()
            let metadata = file.metadata
            func list(_ key: String) throws -> [String] {
                try JSONDecoder().decode([String].self, from: Data(metadata[key]!.utf8))
            }
            pretrainingKeys = try list("state_dict_keys")
            bertModelKeys = try list("bert_model_keys")
            vocab = try list("vocab")
            let shape = file.entries["input/input_ids"]!.shape
            let predictions = file.entries["input/masked_positions"]!.shape[1]
            var b = Batch(size: shape[0], sequenceLength: shape[1], maxPredictions: predictions)
            b.inputIDs = try file.column("input/input_ids")
            b.segmentIDs = try file.column("input/token_type_ids")
            b.attentionMask = try file.column("input/attention_mask")
            b.maskedPositions = try file.column("input/masked_positions")
            b.maskedLabels = try file.column("input/masked_labels")
            batch = b
        }

        /// A model with `decoder` whose encoder and MLM head hold the exported weights (their
        /// names are the checkpoint's); a decoder's own tensors keep a seeded init.
        func model(decoder: DecoderOptions.Kind = .mlm) throws -> MaskedLanguageModel {
            let m = try MaskedLanguageModel(
                config: config,
                capacity: BatchCapacity(
                    batchSize: batch.size, sequenceLength: batch.sequenceLength, maxPredictions: batch.maxPredictions),
                decoder: DecoderOptions(kind: decoder))
            m.initializeWeights(seed: 1)
            for t in m.parameters.layout.tensors where file.entries["weights/" + t.name] != nil {
                try file.read("weights/" + t.name, into: m.parameters.value(t))
            }
            return m
        }

        var tokenizer: ExportTokenizer { ExportTokenizer(source: "fixture", tokens: vocab) }

        /// A run directory whose checkpoint holds `m` (trained with `decoder`).
        func checkpoint(_ m: MaskedLanguageModel, decoder: DecoderOptions.Kind, in dir: String) throws -> String {
            var o = TrainingOptions()
            o.decoder = DecoderOptions(kind: decoder)
            let state = TrainerState(
                step: 1, optimizerStep: 1, seed: 0, config: config, options: o, sourceState: Data())
            _ = try Checkpoint.save(
                run: dir + "/run", state: state, model: m, optimizer: AdamW(layout: m.parameters.layout, weightDecay: 0)
            )
            return dir + "/run"
        }
    }

    func testEncoderMatchesTransformersBertModel() throws {
        let f = try ExportFixture()
        XCTAssertEqual(f.file.metadata["generator"], "Scripts/reference/check_export.py")
        let m = try f.model()
        try m.stage(f.batch)
        m.withInputs { m.encoder.forward(m.encoderState, m.parameters.values, dropout: .none) }
        let ref = try f.file.floats("hf/last_hidden_state")
        let h = f.config.hiddenSize, n = f.batch.size * f.batch.sequenceLength
        XCTAssertEqual(ref.count, n * h)
        // Real tokens only: padded rows are never read downstream.
        var ours: [Float] = [], theirs: [Float] = []
        for r in 0..<n where f.batch.attentionMask[r] != 0 {
            ours += UnsafeBufferPointer(start: m.encoderState.output + r * h, count: h)
            theirs += ref[(r * h)..<((r + 1) * h)]
        }
        XCTAssertGreaterThan(ours.count, 100 * h)
        XCTAssertLessThan(relativeError(ours, theirs), 1e-4)
    }

    /// The exported MLM head is the trained one: our logits at the [MASK]ed positions equal
    /// `BertForMaskedLM`'s on the exported directory.
    func testMaskedLogitsMatchTransformersBertForMaskedLM() throws {
        let f = try ExportFixture()
        let m = try f.model()
        let ours = try m.maskedLogits(f.batch)
        let theirs = try f.file.floats("hf/masked_logits")
        XCTAssertEqual(ours.count, theirs.count)
        XCTAssertGreaterThanOrEqual(ours.count / f.config.vocabSize, 20)
        XCTAssertLessThan(relativeError(ours, theirs), 1e-4)
    }

    /// An mlm run exports exactly the tensors transformers' BertForPreTraining writes, the
    /// trained ones with the checkpoint's values, pooler and NSP head freshly initialised.
    func testMLMExportWritesTheBertForPreTrainingLayout() throws {
        let f = try ExportFixture()
        let dir = temporaryPath("drbert-export")
        let run = try f.checkpoint(try f.model(), decoder: .mlm, in: dir)
        let s = try BertExport.export(run: run, output: dir + "/export", tokenizer: f.tokenizer)
        XCTAssertEqual(s.architecture, "BertForPreTraining")
        XCTAssertEqual(s.dropped, [])
        XCTAssertEqual(
            s.untrained,
            [
                "bert.pooler.dense.bias", "bert.pooler.dense.weight", "cls.seq_relationship.bias",
                "cls.seq_relationship.weight",
            ])
        let out = try SafeTensors.File(path: dir + "/export/model.safetensors")
        XCTAssertEqual(out.entries.keys.sorted(), f.pretrainingKeys)
        XCTAssertEqual(s.exported.sorted(), f.pretrainingKeys)
        XCTAssertEqual(out.metadata["format"], "pt")
        XCTAssertNotNil(out.metadata["pooler"])
        XCTAssertNotNil(out.metadata["seq_relationship"])
        for k in f.pretrainingKeys where !s.untrained.contains(k) {
            XCTAssertEqual(try out.floats(k), try f.file.floats("weights/" + k), k)
        }
        XCTAssertEqual(try out.floats("cls.seq_relationship.bias"), [0, 0])
        XCTAssertEqual(out.entries["cls.seq_relationship.weight"]?.shape, [2, f.config.hiddenSize])
        let cfg = try jsonObject(dir + "/export/config.json")
        XCTAssertEqual(cfg["architectures"] as? [String], ["BertForPreTraining"])
        XCTAssertEqual(cfg["tie_word_embeddings"] as? Bool, true)
        XCTAssertEqual(
            try JSONDecoder().decode(
                ModelConfig.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/export/config.json"))), f.config)
        XCTAssertEqual(
            try String(contentsOfFile: dir + "/export/vocab.txt", encoding: .utf8),
            f.vocab.joined(separator: "\n") + "\n")
        let tc = try jsonObject(dir + "/export/tokenizer_config.json")
        XCTAssertEqual(tc["do_lower_case"] as? Bool, true)
        XCTAssertEqual(tc["mask_token"] as? String, "[MASK]")
        XCTAssertEqual(
            try jsonObject(dir + "/export/special_tokens_map.json") as? [String: String],
            [
                "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
                "mask_token": "[MASK]",
            ])
        // Without tokenizer.json bytes none is written (prep always hands them over).
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/export/tokenizer.json"))
        // A second export into the now non-empty directory is refused, leaving it intact.
        XCTAssertThrowsError(try BertExport.export(run: run, output: dir + "/export", tokenizer: f.tokenizer)) {
            XCTAssertTrue("\($0)".contains("not empty"), "\($0)")
        }
        XCTAssertEqual(
            try SafeTensors.File(path: dir + "/export/model.safetensors").entries.count, f.pretrainingKeys.count)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".partial-") }, [])
    }

    /// A bpdec run exports transformers' BertModel key set, says the MLM head was dropped
    /// with the decoder, and with `withDecoder` keeps exactly the checkpoint's decoder.* and
    /// cls.* tensors under their names and values.
    func testDecoderRunExportsTheBertModelLayoutAndNamesTheDroppedHead() throws {
        let f = try ExportFixture()
        let dir = temporaryPath("drbert-export")
        let m = try f.model(decoder: .bpdec)
        let run = try f.checkpoint(m, decoder: .bpdec, in: dir)
        let s = try BertExport.export(run: run, output: dir + "/plain", tokenizer: f.tokenizer)
        XCTAssertEqual(s.architecture, "BertModel")
        XCTAssertEqual(s.decoder, "bpdec")
        XCTAssertEqual(
            try SafeTensors.File(path: dir + "/plain/model.safetensors").entries.keys.sorted(), f.bertModelKeys)
        XCTAssertTrue(s.dropped.contains { $0.hasPrefix("decoder.layer.") })
        XCTAssertTrue(s.dropped.contains("cls.predictions.bias"))
        XCTAssertTrue(
            s.notes.contains { $0.contains("MLM head belongs to the bpdec decoder and was dropped") }, "\(s.notes)")
        XCTAssertEqual((try jsonObject(dir + "/plain/config.json"))["architectures"] as? [String], ["BertModel"])
        for k in f.bertModelKeys where !k.hasPrefix("pooler.") {
            XCTAssertEqual(
                try SafeTensors.File(path: dir + "/plain/model.safetensors").floats(k),
                try f.file.floats("weights/bert." + k), k)
        }

        let kept = try BertExport.export(
            run: run, output: dir + "/kept", tokenizer: f.tokenizer, options: BertExport.Options(withDecoder: true))
        XCTAssertEqual(kept.dropped, [])
        let out = try SafeTensors.File(path: dir + "/kept/model.safetensors")
        let extra = Set(out.entries.keys).subtracting(f.bertModelKeys)
        let decoderNames = m.parameters.layout.tensors.map(\.name).filter { !$0.hasPrefix("bert.") }
        XCTAssertEqual(extra, Set(decoderNames))
        XCTAssertTrue(decoderNames.contains { $0.hasPrefix("decoder.layer.1.") })
        for t in m.parameters.layout.tensors where !t.name.hasPrefix("bert.") {
            XCTAssertEqual(try out.floats(t.name), Array(m.parameters.value(t)), t.name)
        }
        XCTAssertTrue(kept.notes.contains { $0.contains("kept") }, "\(kept.notes)")
        XCTAssertNotNil(out.metadata["mlm_head"])
    }

    /// BertModel cannot hold disentangled attention: export refuses (exit 2) and writes nothing.
    func testExportRefusesADisentangledEncoder() throws {
        var c = ModelConfig(
            vocabSize: 30, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32)
        c.relativeAttention = true
        let m = try MaskedLanguageModel(
            config: c, capacity: BatchCapacity(batchSize: 1, sequenceLength: 8, maxPredictions: 1))
        let dir = temporaryPath("drbert-export")
        let state = TrainerState(
            step: 1, optimizerStep: 1, seed: 0, config: c, options: TrainingOptions(), sourceState: Data())
        _ = try Checkpoint.save(
            run: dir + "/run", state: state, model: m, optimizer: AdamW(layout: m.parameters.layout, weightDecay: 0))
        let tokenizer = ExportTokenizer(source: "v.txt", tokens: (0..<30).map { "t\($0)" })
        XCTAssertThrowsError(try BertExport.export(run: dir + "/run", output: dir + "/export", tokenizer: tokenizer)) {
            XCTAssertEqual(($0 as? TrainingError)?.exitCode, 2)
            XCTAssertTrue("\($0)".contains("disentangled"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/export"))
    }

    func testExportRefusesAVocabularyOfTheWrongSizeOrWithDuplicates() throws {
        let f = try ExportFixture()
        let dir = temporaryPath("drbert-export")
        let run = try f.checkpoint(try f.model(), decoder: .mlm, in: dir)
        try "[PAD]\n[UNK]\n".write(toFile: dir + "/v.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(
            try BertExport.export(
                run: run, output: dir + "/export", tokenizer: ExportTokenizer(vocabularyText: dir + "/v.txt"))
        ) {
            XCTAssertEqual(($0 as? TrainingError)?.exitCode, 2)
            XCTAssertTrue("\($0)".contains("2 entries, the model \(f.config.vocabSize)"), "\($0)")
        }
        // Duplicates by bytes: a precomposed and a decomposed "é" are two tokens, not one.
        var tokens = [String](f.vocab.dropLast(2)) + ["\u{E9}", "e\u{301}"]
        XCTAssertNoThrow(try ExportTokenizer(source: "t", tokens: tokens).validate(size: f.config.vocabSize))
        tokens[tokens.count - 1] = "[PAD]"
        XCTAssertThrowsError(
            try BertExport.export(
                run: run, output: dir + "/export", tokenizer: ExportTokenizer(source: "v.txt", tokens: tokens))
        ) {
            XCTAssertTrue("\($0)".contains("duplicates line 1"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/export"))
    }

    private func jsonObject(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }
}
