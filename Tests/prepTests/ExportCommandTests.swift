import Foundation
import XCTest

/// `prep export` through the built binary: the layout by decoder and its notes, the tokenizer
/// files, `--vocab tokenizer.json`, `--json`, and the refusals (synthetic runs, tiny model).
final class ExportCommandTests: XCTestCase {
    /// 60 tokens: the BERT specials, then filler words.
    private func vocabulary(in dir: String) throws -> String {
        let path = dir + "/vocab.txt"
        let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + (5..<60).map { "tok\($0)" }
        try (tokens.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func train(_ out: String, decoder: String) throws {
        let r = try PrepProcess.run([
            "train", "--synthetic-vocab", "60", "--model", "tiny", "--steps", "2", "--batch-size", "2",
            "--max-length", "16", "--max-predictions", "3", "--decoder", decoder, "--out", out,
        ])
        XCTAssertEqual(r.status, 0, r.err)
    }

    private func summary(_ out: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
    }

    private func read(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func testMLMRunExportsPreTrainingLayoutAndTokenizerFiles() throws {
        let dir = try makeTemporaryDirectory("export-cli")
        try train(dir + "/run", decoder: "mlm")
        let vocab = try vocabulary(in: dir)
        var r = try PrepProcess.run(["export", dir + "/run", "--output", dir + "/e", "--vocab", vocab, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let s = try summary(r.out)
        XCTAssertEqual(s["architecture"] as? String, "BertForPreTraining")
        let exported = s["exported"] as! [String]
        XCTAssertTrue(exported.contains("cls.predictions.transform.dense.weight"))
        XCTAssertTrue(exported.contains("cls.seq_relationship.weight"))
        XCTAssertTrue(exported.allSatisfy { $0.hasPrefix("bert.") || $0.hasPrefix("cls.") }, "\(exported)")
        XCTAssertEqual(
            s["files"] as? [String],
            [
                "model.safetensors", "config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json",
            ])
        XCTAssertTrue((s["notes"] as! [String]).contains { $0.contains("NSP head untrained") }, "\(s)")
        XCTAssertEqual(try read(dir + "/e/vocab.txt"), try read(vocab))

        // tokenizer.json is accepted as --vocab and gives the same tokenizer files again;
        // it records lowercase true, so --cased contradicts it.
        r = try PrepProcess.run(["export", dir + "/run", "--output", dir + "/e2", "--vocab", dir + "/e/tokenizer.json"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("exported "), r.out)
        for f in ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
            XCTAssertEqual(try read(dir + "/e/" + f), try read(dir + "/e2/" + f), f)
        }
        r = try PrepProcess.run([
            "export", dir + "/run", "--output", dir + "/e3", "--vocab", dir + "/e/tokenizer.json", "--cased",
        ])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("--cased contradicts"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/e3"))

        // --cased on a vocab.txt (nothing recorded) writes lowercase false everywhere.
        r = try PrepProcess.run(["export", dir + "/run", "--output", dir + "/cased", "--vocab", vocab, "--cased"])
        XCTAssertEqual(r.status, 0, r.err)
        let tokenizer = try JSONSerialization.jsonObject(with: read(dir + "/cased/tokenizer.json")) as! [String: Any]
        XCTAssertEqual((tokenizer["normalizer"] as! [String: Any])["lowercase"] as? Bool, false)
        let config =
            try JSONSerialization.jsonObject(with: read(dir + "/cased/tokenizer_config.json")) as! [String: Any]
        XCTAssertEqual(config["do_lower_case"] as? Bool, false)
    }

    func testDecoderRunNotesTheDroppedHeadAndWithDecoderKeepsIt() throws {
        let dir = try makeTemporaryDirectory("export-cli")
        try train(dir + "/run", decoder: "bpdec")
        let vocab = try vocabulary(in: dir)
        var r = try PrepProcess.run(["export", dir + "/run", "--output", dir + "/e", "--vocab", vocab])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("as BertModel"), r.out)
        XCTAssertTrue(
            r.err.contains("note: the MLM head belongs to the bpdec decoder and was dropped"), r.err)
        r = try PrepProcess.run([
            "export", dir + "/run", "--output", dir + "/kept", "--vocab", vocab, "--with-decoder", "--json",
        ])
        XCTAssertEqual(r.status, 0, r.err)
        let s = try summary(r.out)
        XCTAssertEqual(s["dropped"] as? [String], [])
        let exported = s["exported"] as! [String]
        XCTAssertTrue(exported.contains("decoder.layer.0.attention.self.query.weight"), "\(exported)")
        XCTAssertTrue(exported.contains("cls.predictions.bias"), "\(exported)")
        XCTAssertTrue(exported.contains("embeddings.word_embeddings.weight"), "\(exported)")
    }

    func testRefusalsExitTwoAndLeaveNothing() throws {
        let dir = try makeTemporaryDirectory("export-cli")
        try train(dir + "/run", decoder: "mlm")
        try "[PAD]\n[UNK]\n".write(toFile: dir + "/short.txt", atomically: true, encoding: .utf8)
        var r = try PrepProcess.run(["export", dir + "/run", "--output", dir + "/e", "--vocab", dir + "/short.txt"])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertEqual(r.err, "error: \(dir)/short.txt: bad model config: vocabulary has 2 entries, the model 60\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/e"))

        try FileManager.default.createDirectory(atPath: dir + "/full", withIntermediateDirectories: true)
        try "x".write(toFile: dir + "/full/keep", atomically: true, encoding: .utf8)
        r = try PrepProcess.run(["export", dir + "/run", "--output", dir + "/full", "--vocab", try vocabulary(in: dir)])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.hasPrefix("error: \(dir)/full: already exists and is not empty"), r.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/full"), ["keep"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".partial-") }, [])
    }

    /// Without --vocab, a run trained on a `prep tokenize` dataset exports the tokenizer
    /// settings that dataset's manifest records (here: cased), and says where they came from.
    func testTokenizerSettingsComeFromTheRunsDataset() throws {
        let dir = try makeTemporaryDirectory("export-cli")
        let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path
        let corpus = PrepProcess.root.appendingPathComponent("Corpora/en/kjv-sample.txt").path
        for (name, extra) in [("cased", ["--no-lowercase"]), ("lower", [])] {
            var r = try PrepProcess.run(
                ["tokenize", "--vocab", vocab, "--input", corpus, "--output", dir + "/docs-" + name] + extra)
            XCTAssertEqual(r.status, 0, r.err)
            r = try PrepProcess.run([
                "train", "--data", dir + "/docs-" + name, "--mask", "token", "--model", "tiny", "--steps", "1",
                "--batch-size", "2", "--max-length", "32", "--max-predictions", "5", "--threads", "1", "--out",
                dir + "/run-" + name,
            ])
            XCTAssertEqual(r.status, 0, r.err)
        }
        var r = try PrepProcess.run(["export", dir + "/run-cased", "--output", dir + "/e", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(
            (try summary(r.out)["notes"] as! [String]).contains {
                $0.contains("lowercase false") && $0.contains("docs-cased/manifest.json")
            }, r.out)
        let tokenizer = try JSONSerialization.jsonObject(with: read(dir + "/e/tokenizer.json")) as! [String: Any]
        let normalizer = tokenizer["normalizer"] as! [String: Any]
        XCTAssertEqual(normalizer["lowercase"] as? Bool, false)
        XCTAssertEqual(normalizer["strip_accents"] as? Bool, false)
        XCTAssertEqual(try read(dir + "/e/vocab.txt"), try read(vocab))

        r = try PrepProcess.run(["export", dir + "/run-lower", "--output", dir + "/e2", "--cased"])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("docs-lower/manifest.json") && r.err.contains("--cased contradicts"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/e2"))
    }
}
