import Foundation
import XCTest

/// The vocabulary travels with the data: `prep tokenize` keeps the file it used in its output,
/// so the README's pipeline runs with `--vocab` given once, and a different `--vocab` is refused.
final class VocabularyTravelsTests: XCTestCase {
    let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path
    let corpus = PrepProcess.root.appendingPathComponent("Corpora/en/kjv-sample.txt").path

    private func ok(_ arguments: [String]) throws -> (out: String, err: String) {
        let r = try PrepProcess.run(arguments)
        XCTAssertEqual(r.status, 0, "\(arguments.first ?? ""): \(r.err)")
        return (r.out, r.err)
    }

    /// The vocabulary with two tokens swapped: the same size, other bytes, so only the digest
    /// tells them apart.
    private func otherVocabulary(at path: String) throws {
        var lines = try String(contentsOfFile: vocab, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        lines.swapAt(1000, 1001)
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    func testReadmePipelineNeedsNoFurtherVocab() throws {
        let dir = try makeTemporaryDirectory("vocab-travels")
        try ok(["tokenize", "--vocab", vocab, "--input", corpus, "--output", dir + "/docs"])
        let stored = try Data(contentsOf: URL(fileURLWithPath: dir + "/docs/vocab.txt"))
        XCTAssertEqual(stored, try Data(contentsOf: URL(fileURLWithPath: vocab)))
        try ok(["mask", "--whole-word", "--input", dir + "/docs", "--output", dir + "/ww"])
        try ok(["inspect", dir + "/ww", "--limit", "1"])
        try ok(["stream", dir + "/docs", "--batch-size", "2", "--mask", "whole-word", "--stop-after-batches", "1"])
        try ok([
            "train", "--data", dir + "/ww", "--model", "tiny", "--steps", "2", "--batch-size", "2", "--threads", "1",
            "--out", dir + "/run",
        ])
        try ok(["export", dir + "/run", "--output", dir + "/export"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/export/vocab.txt")), stored)
        // The same vocabulary given again is fine; another one is refused by digest.
        try ok(["export", dir + "/run", "--output", dir + "/export2", "--vocab", vocab])
        try otherVocabulary(at: dir + "/other.txt")
        let r = try PrepProcess.run([
            "export", dir + "/run", "--output", dir + "/export3", "--vocab", dir + "/other.txt",
        ])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.hasPrefix("error: \(dir)/other.txt: ") && r.err.contains("SHA-256"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/export3"))
    }

    func testADifferentVocabIsRefusedByDigest() throws {
        let dir = try makeTemporaryDirectory("vocab-digest")
        try ok(["tokenize", "--vocab", vocab, "--input", corpus, "--output", dir + "/docs"])
        let other = dir + "/other.txt"
        try otherVocabulary(at: other)
        for command in [
            ["mask", "--input", dir + "/docs", "--output", dir + "/m", "--vocab", other],
            [
                "stream", dir + "/docs", "--batch-size", "2", "--mask", "token", "--vocab", other,
                "--stop-after-batches", "1",
            ],
            [
                "train", "--data", dir + "/docs", "--mask", "token", "--vocab", other, "--steps", "1", "--out",
                dir + "/run",
            ],
        ] {
            let r = try PrepProcess.run(command)
            XCTAssertEqual(r.status, 2, "\(command[0]): \(r.err)")
            XCTAssertTrue(r.err.hasPrefix("error: ") && r.err.contains("SHA-256"), r.err)
            XCTAssertTrue(r.err.contains(other), r.err)
            XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/m/manifest.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/run"))
    }

    func testATokenizerJSONTravelsUnderItsName() throws {
        let dir = try makeTemporaryDirectory("vocab-tokenizer-json")
        let tokenizer = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/tokenizer.json").path
        try ok(["tokenize", "--vocab", tokenizer, "--input", corpus, "--output", dir + "/docs"])
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: dir + "/docs/tokenizer.json")),
            try Data(contentsOf: URL(fileURLWithPath: tokenizer)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/docs/vocab.txt"))
        try ok(["mask", "--input", dir + "/docs", "--output", dir + "/m", "--documents-per-shard", "50"])
        // The vocabulary the dataset already holds is not copied onto itself.
        try ok(["tokenize", "--vocab", dir + "/docs/tokenizer.json", "--input", corpus, "--output", dir + "/docs"])
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: dir + "/docs/tokenizer.json")),
            try Data(contentsOf: URL(fileURLWithPath: tokenizer)))
    }
}
