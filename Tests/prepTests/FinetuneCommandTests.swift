import Foundation
import Training
import XCTest

/// `prep finetune`, `prep predict` and `prep export` of a fine-tuned model through the built
/// binary: the outputs, and the refusals (one line, exit 2) the issue asks for.
final class FinetuneCommandTests: XCTestCase {
    var dir = ""
    static let words = ["red", "blue", "green", "cat", "dog", "bird", "sun", "moon", "tree", "rock"]

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "finetune-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/init", withIntermediateDirectories: true)
        let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + Self.words
        try (vocab.joined(separator: "\n") + "\n").write(
            toFile: dir + "/init/vocab.txt", atomically: true, encoding: .utf8)
        try (vocab.dropLast().joined(separator: "\n") + "\n").write(
            toFile: dir + "/other-vocab.txt", atomically: true, encoding: .utf8)
        let configJSON = """
            {"vocab_size": \(vocab.count), "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
             "intermediate_size": 32, "max_position_embeddings": 32, "initializer_range": 0.2}
            """
        try configJSON.write(toFile: dir + "/init/config.json", atomically: true, encoding: .utf8)
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(configJSON.utf8))
        let network = try EncoderNetwork(config: config, maxBatch: 1, maxLength: 4, slots: 1, head: [], weightDecay: 0)
        network.initialize(seed: 1)
        try network.safetensors(metadata: ["format": "pt"]).write(
            to: URL(fileURLWithPath: dir + "/init/model.safetensors"))
        // Label "yes" when "cat" is in the sentence.
        func task(_ n: Int, offset: Int) -> String {
            var lines = ["sentence\tlabel"]
            for i in 0..<n {
                let a = Self.words[(i * 3 + offset) % 10], b = Self.words[(i * 7 + 1 + offset) % 10]
                lines.append("\(a) \(b)\t\(a == "cat" || b == "cat" ? "yes" : "no")")
            }
            return lines.joined(separator: "\n") + "\n"
        }
        try task(40, offset: 0).write(toFile: dir + "/train.tsv", atomically: true, encoding: .utf8)
        try task(12, offset: 3).write(toFile: dir + "/dev.tsv", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func finetune(_ extra: [String]) throws -> (status: Int32, out: String, err: String) {
        try PrepProcess.run(
            [
                "finetune", "--init", dir + "/init", "--train", dir + "/train.tsv", "--dev", dir + "/dev.tsv",
                "--text-column", "sentence", "--batch-size", "8", "--threads", "1", "--max-length", "16",
            ] + (extra.contains("--epochs") ? [] : ["--epochs", "2"])
                + (extra.contains("--lr") ? [] : ["--lr", "1e-3"])
                + extra)
    }

    func testFinetunePredictAndExport() throws {
        let r = try finetune(["--out", dir + "/ft", "--json", "--sift"])
        XCTAssertEqual(r.status, 0, r.err)
        let summary = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        XCTAssertEqual(summary["train_examples"] as? Int, 40)
        XCTAssertEqual(summary["labels"] as? [String], ["no", "yes"])
        let metrics = try String(contentsOfFile: dir + "/ft/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.count, 2)
        let epoch = try JSONSerialization.jsonObject(with: Data(metrics[1].utf8)) as! [String: Any]
        XCTAssertEqual(epoch["epoch"] as? Int, 2)
        XCTAssertNotNil((epoch["dev"] as? [String: Double])?["matthews_correlation"])
        XCTAssertNotNil(epoch["adversarial_loss"] as? Double)

        let p = try PrepProcess.run(["predict", "--model", dir + "/ft", "--input", dir + "/dev.tsv", "--threads", "1"])
        XCTAssertEqual(p.status, 0, p.err)
        let rows = p.out.split(separator: "\n")
        XCTAssertEqual(rows.count, 12)
        let first = try JSONSerialization.jsonObject(with: Data(rows[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["line"] as? Int, 2)
        XCTAssertTrue(["no", "yes"].contains(first["label"] as? String ?? ""))
        let probabilities = first["probabilities"] as! [Double]
        XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-5)

        let e = try PrepProcess.run(["export", dir + "/ft", "--output", dir + "/export"])
        XCTAssertEqual(e.status, 0, e.err)
        let config =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/export/config.json")))
            as! [String: Any]
        XCTAssertEqual(config["architectures"] as? [String], ["BertForSequenceClassification"])
        XCTAssertEqual((config["id2label"] as? [String: String])?["1"], "yes")
        // The export carries the fine-tuned weights unchanged.
        XCTAssertEqual(
            FileManager.default.contents(atPath: dir + "/export/model.safetensors"),
            FileManager.default.contents(atPath: dir + "/ft/model.safetensors"))
    }

    func testExistingOutputIsRefusedUnlessOverwrite() throws {
        try FileManager.default.createDirectory(atPath: dir + "/ft", withIntermediateDirectories: true)
        try "x".write(toFile: dir + "/ft/keep", atomically: true, encoding: .utf8)
        let r = try finetune(["--out", dir + "/ft"])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("--overwrite"), r.err)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/ft/keep"))
        XCTAssertEqual(try finetune(["--out", dir + "/ft", "--overwrite", "--epochs", "1"]).status, 0)
    }

    func testVocabularyOtherThanTheCheckpointsIsRefused() throws {
        let r = try finetune(["--out", dir + "/ft", "--vocab", dir + "/other-vocab.txt"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.err.contains("other-vocab.txt") && r.err.contains("differs"), r.err)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/ft"))
    }

    func testSiFTSettingsNeedSiFTAndClassification() throws {
        let a = try finetune(["--out", dir + "/ft", "--sift-eps", "0.1"])
        XCTAssertEqual(a.status, 2)
        XCTAssertTrue(a.err.contains("--sift-eps needs --sift"), a.err)
        let b = try finetune(["--out", dir + "/ft", "--lr", "nan"])
        XCTAssertEqual(b.status, 2)
        XCTAssertTrue(b.err.contains("--lr must be a finite number"), b.err)
    }
}
