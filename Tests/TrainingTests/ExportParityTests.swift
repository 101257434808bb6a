import XCTest
import Foundation
import Batches
@testable import Training

/// `prep export` and our encoder forward against `transformers.BertModel`.
/// The fixture (`Scripts/reference/check_export.py fixture`) holds weights exported by
/// `prep export` from a BPDec run, which transformers loaded with no missing or unexpected
/// keys, a batch of Corpora/ lines tokenized by transformers from the exported vocab, and
/// transformers' last hidden states. `DRBERT_EXPORT_FIXTURE` points at a fresh one (live check).
final class ExportParityTests: XCTestCase {
    struct ExportFixture {
        let file: SafeTensors.File
        let config: ModelConfig
        let batch: Batch
        let stateDictKeys: [String]
        let vocab: [String]

        init() throws {
            file = try .testFixture("bert_export_parity", unlessSetIn: "DRBERT_EXPORT_FIXTURE")
            config = try file.fixtureConfig()
            stateDictKeys = try JSONDecoder().decode([String].self, from: Data(file.metadata["state_dict_keys"]!.utf8))
            vocab = try JSONDecoder().decode([String].self, from: Data(file.metadata["vocab"]!.utf8))
            let shape = file.entries["input/input_ids"]!.shape
            var b = Batch(size: shape[0], sequenceLength: shape[1], maxPredictions: 1)
            b.inputIDs = try file.column("input/input_ids")
            b.segmentIDs = try file.column("input/token_type_ids")
            b.attentionMask = try file.column("input/attention_mask")
            batch = b
        }

        /// A BPDec model whose encoder holds the exported weights (head and decoder: seeded init).
        func model() throws -> MaskedLanguageModel {
            let m = try MaskedLanguageModel(
                config: config,
                capacity: BatchCapacity(
                    batchSize: batch.size, sequenceLength: batch.sequenceLength, maxPredictions: 1),
                decoder: DecoderOptions(kind: .bpdec))
            m.initializeWeights(seed: 1)
            for t in m.parameters.layout.tensors where t.name.hasPrefix("bert.") {
                try file.read("weights/" + t.name.dropFirst(5), into: m.parameters.value(t))
            }
            return m
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

    /// Our exporter, run on a checkpoint holding these weights plus decoder and head tensors,
    /// writes exactly the tensors transformers' BertModel expects, with the same values.
    func testExportWritesTheBertModelLayout() throws {
        let f = try ExportFixture()
        let m = try f.model()
        let dir = temporaryPath("drbert-export")
        var o = TrainingOptions(); o.decoder = DecoderOptions(kind: .bpdec)
        let adam = AdamW(layout: m.parameters.layout, weightDecay: 0.01)
        let state = TrainerState(step: 1, optimizerStep: 1, seed: 0, config: f.config, options: o, sourceState: Data())
        _ = try Checkpoint.save(run: dir + "/run", state: state, model: m, optimizer: adam)
        let vocabPath = dir + "/vocab.txt"
        try (f.vocab.joined(separator: "\n") + "\n").write(toFile: vocabPath, atomically: true, encoding: .utf8)
        let s = try BertExport.export(run: dir + "/run", output: dir + "/export", vocabulary: vocabPath)
        XCTAssertTrue(s.dropped.contains { $0.hasPrefix("decoder.layer.") })
        XCTAssertTrue(s.dropped.contains { $0.hasPrefix("cls.") })
        let out = try SafeTensors.File(path: dir + "/export/model.safetensors")
        XCTAssertEqual(out.entries.keys.sorted(), f.stateDictKeys)
        XCTAssertEqual(out.metadata["format"], "pt")
        for k in f.stateDictKeys where !k.hasPrefix("pooler.") {
            XCTAssertEqual(try out.floats(k), try f.file.floats("weights/" + k), k)
        }
        let cfg =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/export/config.json")))
            as! [String: Any]
        XCTAssertEqual(cfg["architectures"] as? [String], ["BertModel"])
        XCTAssertEqual(
            try JSONDecoder().decode(
                ModelConfig.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/export/config.json"))), f.config)
        XCTAssertEqual(
            try String(contentsOfFile: dir + "/export/vocab.txt", encoding: .utf8),
            f.vocab.joined(separator: "\n") + "\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/export/tokenizer_config.json"))
        // A second export into the now non-empty directory is refused, leaving it intact.
        XCTAssertThrowsError(try BertExport.export(run: dir + "/run", output: dir + "/export", vocabulary: vocabPath))
        XCTAssertEqual(
            try SafeTensors.File(path: dir + "/export/model.safetensors").entries.count, f.stateDictKeys.count)
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
        try (0..<30).map { "t\($0)" }.joined(separator: "\n").write(
            toFile: dir + "/v.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(
            try BertExport.export(run: dir + "/run", output: dir + "/export", vocabulary: dir + "/v.txt")
        ) {
            XCTAssertEqual(($0 as? TrainingError)?.exitCode, 2)
            XCTAssertTrue("\($0)".contains("disentangled"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/export"))
    }

    func testExportRefusesAVocabularyOfTheWrongSize() throws {
        let f = try ExportFixture()
        let m = try f.model()
        let dir = temporaryPath("drbert-export")
        let state = TrainerState(
            step: 1, optimizerStep: 1, seed: 0, config: f.config, options: TrainingOptions(), sourceState: Data())
        _ = try Checkpoint.save(
            run: dir + "/run", state: state, model: m, optimizer: AdamW(layout: m.parameters.layout, weightDecay: 0))
        try "[PAD]\n[UNK]\n".write(toFile: dir + "/v.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(
            try BertExport.export(run: dir + "/run", output: dir + "/export", vocabulary: dir + "/v.txt")
        ) {
            XCTAssertEqual(($0 as? TrainingError)?.exitCode, 2)
        }
        try ([String](f.vocab.dropLast()) + ["[PAD]"]).joined(separator: "\n").write(
            toFile: dir + "/v.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(
            try BertExport.export(run: dir + "/run", output: dir + "/export", vocabulary: dir + "/v.txt")
        ) {
            XCTAssertTrue("\($0)".contains("duplicates line 1"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/export"))
    }
}
