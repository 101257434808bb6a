import Foundation
import XCTest

/// The README's exit-code table, command by command: a bad numeric option and a missing input
/// are bad input or usage (2), reported on one line, with nothing written.
final class ExitCodeTableTests: XCTestCase {
    private let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path

    private func expectBadInput(
        _ arguments: [String], mentioning text: String, file: StaticString = #filePath, line: UInt = #line
    )
        throws
    {
        let r = try PrepProcess.run(arguments, stdin: [])
        XCTAssertEqual(r.status, 2, "\(arguments): \(r.err)", file: file, line: line)
        XCTAssertTrue(r.err.contains(text), "\(arguments): \(r.err)", file: file, line: line)
        XCTAssertEqual(
            r.err.filter { $0 == "\n" }.count, 1, "\(arguments): not one line: \(r.err)", file: file, line: line)
    }

    func testBadNumericOptionsAreRefusedBeforeAnythingIsWritten() throws {
        let dir = try makeTemporaryDirectory("exit-codes")
        let text = dir + "/corpus.txt"
        try Data("hello world\n".utf8).write(to: URL(fileURLWithPath: text))
        let out = dir + "/out"
        let train = ["train", "--synthetic-vocab", "60", "--steps", "2", "--out", out]
        let cases: [([String], String)] = [
            (["normalize", "--input", text, "--stats", "--repeat", "0"], "--repeat"),
            (["encode", "--vocab", vocab, "--input", text, "--max-invalid-utf8", "nan"], "--max-invalid-utf8"),
            (["vocab", "--input", text, "--output", out, "--vocab-size", "0"], "--vocab-size"),
            (
                ["vocab", "--input", text, "--output", out, "--vocab-size", "9", "--max-invalid-utf8", "2"],
                "--max-invalid-utf8"
            ),
            (
                ["tokenize", "--vocab", vocab, "--input", text, "--output", out, "--shard-tokens", "0"],
                "--shard-tokens"
            ),
            (["mask", "--input", dir, "--output", out, "--masked-lm-prob", "nan"], "--masked-lm-prob"),
            (["mask", "--input", dir, "--output", out, "--mask-token-prob", "inf"], "--mask-token-prob"),
            (["inspect", dir, "--limit", "-1"], "--limit"),
            (["verify", dir, "--threads", "0"], "--threads"),
            (["stream", dir, "--batch-size", "2", "--mask", "token", "--masked-lm-prob", "2"], "--masked-lm-prob"),
            (["stream", dir, "--batch-size", "2", "--short-seq-prob", "nan"], "--short-seq-prob"),
            (["stream", dir, dir, "--batch-size", "2", "--weights", "1,inf"], "--weights"),
            (train + ["--lr", "nan"], "--lr must be a finite number > 0"),
            (train + ["--lr", "inf"], "--lr"),
            (train + ["--lr=-1"], "--lr must be > 0"),
            (train + ["--max-grad-norm", "nan"], "--max-grad-norm"),
            (train + ["--weight-decay=-0.1"], "--weight-decay"),
            (train + ["--mask", "token", "--masked-lm-prob", "2"], "--masked-lm-prob"),
            (train + ["--mask", "token", "--masked-lm-prob", "nan"], "--masked-lm-prob"),
            (train + ["--warmup=-3"], "--warmup"),
            (train + ["--resume", "--overwrite"], "--overwrite"),
            (["eval", "--checkpoint", dir, "--data", dir, "--batch-size", "0"], "--batch-size"),
            (["compare", dir, "--synthetic-eval", "0"], "--synthetic-eval"),
        ]
        for (arguments, text) in cases { try expectBadInput(arguments, mentioning: text) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "a refused command wrote \(out)")
    }

    func testMissingInputIsBadInputInEveryCommand() throws {
        let dir = try makeTemporaryDirectory("exit-codes")
        let missing = dir + "/missing"
        let out = dir + "/out"
        let cases: [[String]] = [
            ["normalize", "--input", missing],
            ["encode", "--vocab", vocab, "--input", missing],
            ["encode", "--vocab", missing, "--input", "-"],
            ["vocab", "--input", missing, "--output", out, "--vocab-size", "50"],
            ["tokenize", "--vocab", vocab, "--input", missing, "--output", out],
            ["mask", "--input", missing, "--output", out],
            ["merge", "--output", out, missing],
            ["inspect", missing],
            ["verify", missing],
            ["stream", missing, "--batch-size", "1"],
            ["train", "--data", missing, "--steps", "1", "--out", out],
            ["eval", "--checkpoint", missing, "--data", missing],
            ["export", missing, "--output", out, "--vocab", vocab],
            ["compare", missing],
        ]
        for arguments in cases { try expectBadInput(arguments, mentioning: missing) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/metrics.jsonl"))
    }

    /// An output path that cannot be one (a regular file, or below one) is the user's to fix:
    /// 2 in every command, not a failure while running.
    func testOutputPathThatIsAFileIsBadInput() throws {
        let dir = try makeTemporaryDirectory("exit-codes")
        let text = dir + "/corpus.txt"
        try Data("hello world\n".utf8).write(to: URL(fileURLWithPath: text))
        let file = dir + "/file"
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: file))
        for output in [file, file + "/below"] {
            try expectBadInput(["tokenize", "--vocab", vocab, "--input", text, "--output", output], mentioning: output)
            try expectBadInput(
                ["vocab", "--input", text, "--output", output, "--vocab-size", "40"], mentioning: output)
            try expectBadInput(
                [
                    "train", "--synthetic-vocab", "60", "--steps", "1", "--batch-size", "2", "--max-length", "8",
                    "--out", output,
                ],
                mentioning: output)
        }
    }
}
