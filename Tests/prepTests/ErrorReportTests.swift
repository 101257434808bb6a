import ArgumentParser
import Foundation
import Loading
import Masking
@testable import prep
import Shards
import Tokenization
import Training
import XCTest

/// The one error reporter: every library's errors become one line and exit status 2 (bad
/// input or usage) or 1 (failure while running).
final class ErrorReportTests: XCTestCase {
    private func report(_ error: Error) -> ErrorReport? { ErrorReport(error) }

    func testLibraryErrorsKeepTheirMessageAndStatus() {
        let cases: [(Error, String, Int32)] = [
            (TokenizationError.invalidUTF8(path: "a.txt", byteOffset: 4), "a.txt: invalid UTF-8 at byte offset 4", 2),
            (
                TokenizationError.output(path: "out", detail: "No space left on device"),
                "out: No space left on device", 1
            ),
            (
                ShardError.corrupt(path: "s.drbs", detail: "block 3: checksum mismatch"),
                "s.drbs: corrupt shard: block 3: checksum mismatch", 2
            ),
            (ShardError.io(path: "s.drbs", detail: "read: Input/output error"), "s.drbs: read: Input/output error", 1),
            (
                MaskingError.badInput(path: "docs", detail: "not a tokenized dataset"), "docs: not a tokenized dataset",
                2
            ),
            (
                MaskingError.corruptDocument(path: "docs/shard-00000.drbs", record: 7, detail: "id 99999"),
                "docs/shard-00000.drbs: record 7: id 99999", 2
            ),
            (MaskingError.io(path: "out", detail: "cannot write"), "out: cannot write", 1),
            (MaskingError.shard(.io(path: "s", detail: "gone")), "s: gone", 1),
            (LoaderError.badDataset(path: "d", detail: "no manifest.json"), "d: no manifest.json", 2),
            (LoaderError.io(path: "state.json", detail: "cannot write"), "state.json: cannot write", 1),
            (
                TrainingError.badCheckpoint("run/step-1", "missing model.safetensors"),
                "run/step-1: bad checkpoint: missing model.safetensors", 2
            ),
            (TrainingError.io("run/metrics.jsonl", "cannot append"), "run/metrics.jsonl: cannot append", 1),
        ]
        for (error, message, status) in cases {
            XCTAssertEqual(report(error), ErrorReport(message: message, exitCode: status), "\(error)")
        }
        XCTAssertEqual(report(try! XCTUnwrap(Self.strategyError()))?.exitCode, 2)
    }

    private static func strategyError() -> Error? {
        do { _ = try MaskingStrategy(parsing: "nope"); return nil } catch { return error }
    }

    func testFoundationErrorsBecomeOneLineWithThePosition() throws {
        struct State: Decodable { var epoch: Int; var shards: [Int] }
        do {
            _ = try JSONDecoder().decode(State.self, from: Data(#"{"epoch": 1, "shards": [1, "two"]}"#.utf8))
            XCTFail("decoded")
        } catch {
            let r = try XCTUnwrap(report(error))
            XCTAssertTrue(r.message.hasPrefix("cannot decode JSON at shards[1]: "), r.message)
            XCTAssertEqual(r.exitCode, 1)
        }
        let missing = NSTemporaryDirectory() + "/no-such-file-\(UUID().uuidString)"
        do {
            _ = try Data(contentsOf: URL(fileURLWithPath: missing))
            XCTFail("read")
        } catch {
            let r = try XCTUnwrap(report(error))
            XCTAssertTrue(r.message.hasPrefix(missing + ": "), r.message)
            XCTAssertEqual(r.exitCode, 2, r.message)  // a missing file is bad input, whoever meets it
        }
        XCTAssertEqual(report(POSIXError(.ENOSPC)), ErrorReport(message: "No space left on device", exitCode: 1))
    }

    func testMessagesAreOneLine() {
        XCTAssertEqual(report(LoaderError.reported("a: first\nsecond"))?.message, "a: first second")
    }

    func testArgumentParserErrorsPassThrough() {
        XCTAssertNil(report(ValidationError("bad")))
        XCTAssertNil(report(ExitCode(130)))
        XCTAssertNil(report(CleanExit.helpRequest()))
    }

    /// As users see it: stderr is exactly one line, and the status tells input from run failures.
    func testCommandsReportThroughIt() throws {
        let dir = try makeTemporaryDirectory("error-report")
        let missing = dir + "/missing"
        let runs: [([String], String, Int32)] = [
            (["normalize", "--input", missing], "error: \(missing): cannot read input\n", 2),
            (["inspect", missing], "error: \(missing): not a dataset: \(missing): no such dataset directory\n", 2),
            (["stream", missing, "--batch-size", "1"], "error: \(missing): no such dataset directory\n", 2),
        ]
        for (arguments, message, status) in runs {
            let r = try PrepProcess.run(arguments, stdin: [])
            XCTAssertEqual(r.status, status, "\(arguments): \(r.err)")
            XCTAssertEqual(r.err, message, "\(arguments)")
        }
        // An output directory that cannot be created because its parent is a file is bad usage,
        // not a failure while running (`ErrorReport.isUnusable`).
        let file = dir + "/file"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data("x\n".utf8)))
        let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path
        let r = try PrepProcess.run(["tokenize", "--vocab", vocab, "--input", file, "--output", file + "/out"])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.hasPrefix("error: \(file)/out: cannot create output directory"), r.err)
        XCTAssertEqual(r.err.filter { $0 == "\n" }.count, 1, r.err)
    }
}
