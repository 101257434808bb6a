import Foundation
import XCTest

/// `prep train --decoder/--attention`, `prep export` and `prep compare` end to end through the
/// built binary (synthetic data, tiny model).
final class DecoderCommandsTests: XCTestCase {
    private func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try PrepProcess.run(arguments)
    }

    private func tempDir() throws -> String { try makeTemporaryDirectory("decoder-cli") }

    private func train(_ out: String, _ extra: [String]) throws {
        let r = try run(
            [
                "train", "--synthetic-vocab", "60", "--model", "tiny", "--steps", "3", "--batch-size", "2",
                "--max-length", "16", "--max-predictions", "3", "--out", out,
            ] + extra)
        XCTAssertEqual(r.status, 0, r.err)
    }

    func testDecodersTrainExportAndCompare() throws {
        let dir = try tempDir()
        try train(dir + "/mlm", ["--decoder", "mlm"])
        try train(
            dir + "/bpdec",
            ["--decoder", "bpdec", "--decoder-layers", "1", "--gua-unmask", "0.3", "--decoder-positions"])
        try train(dir + "/emd-dis", ["--decoder", "emd", "--attention", "disentangled"])

        let vocab = dir + "/vocab.txt"
        // A WordPiece vocabulary needs its unknown token (export writes a tokenizer.json).
        try (["[UNK]"] + (1..<60).map { "tok\($0)" }).joined(separator: "\n").write(
            toFile: vocab, atomically: true, encoding: .utf8)
        var r = try run(["export", dir + "/bpdec", "--output", dir + "/export", "--vocab", vocab])
        XCTAssertEqual(r.status, 0, r.err)
        for f in ["model.safetensors", "config.json", "vocab.txt", "tokenizer_config.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/export/" + f), f)
        }
        r = try run(["export", dir + "/emd-dis", "--output", dir + "/export2", "--vocab", vocab])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.err.contains("disentangled"), r.err)

        r = try run([
            "compare", dir + "/mlm", dir + "/bpdec", dir + "/emd-dis", "--synthetic-eval", "2", "--svg",
            dir + "/loss.svg",
        ])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("| mlm | mlm | absolute | tiny | 3 |"), r.out)
        XCTAssertTrue(r.out.contains("| bpdec | bpdec | absolute |"), r.out)
        XCTAssertTrue(r.out.contains("| emd-dis | emd | disentangled |"), r.out)
        XCTAssertTrue(try String(contentsOfFile: dir + "/loss.svg", encoding: .utf8).hasPrefix("<svg"))
    }

    func testBadDecoderArgumentsExitWithUsageError() throws {
        let dir = try tempDir()
        for extra in [
            ["--decoder", "nope"], ["--decoder", "bpdec", "--gua-unmask", "2"], ["--attention", "sideways"],
        ] {
            let r = try run(["train", "--synthetic-vocab", "60", "--steps", "1", "--out", dir + "/x"] + extra)
            XCTAssertNotEqual(r.status, 0, "\(extra)")
            XCTAssertTrue(r.err.contains("--"), r.err)
        }
        let r = try run(["compare", dir + "/missing"])
        XCTAssertEqual(r.status, 2)  // bad input: not a run directory
        XCTAssertTrue(r.err.contains("metrics.jsonl"), r.err)
    }
}
