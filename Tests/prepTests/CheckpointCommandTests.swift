import Foundation
import XCTest

/// Damaged checkpoints and reused run directories through the `prep` binary: `--resume` falls
/// back with a note or stops with status 2, `eval` and `export` refuse, a fresh `train` into a
/// run is refused unless `--overwrite`.
final class CheckpointCommandTests: XCTestCase {
    private func common(steps: Int = 4) -> [String] {
        [
            "train", "--synthetic-vocab", "40", "--steps", "\(steps)", "--save-every", "2", "--batch-size", "2",
            "--max-length", "8", "--max-predictions", "2", "--threads", "1",
        ]
    }

    /// A finished run with checkpoints at steps 2 and 4 in `dir/run`, on a one-layer model.
    private func finishedRun() throws -> String {
        let dir = try makeTemporaryDirectory("ckpt-cli")
        let config = dir + "/bert.json"
        try Data(
            #"{"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}"#.utf8
        ).write(to: URL(fileURLWithPath: config))
        let r = try PrepProcess.run(common() + ["--model", config, "--out", dir + "/run"])
        XCTAssertEqual(r.status, 0, r.err)
        return dir + "/run"
    }

    private func flipBit(_ file: String) throws {
        var d = try Data(contentsOf: URL(fileURLWithPath: file))
        d[d.count / 3] ^= 0x01
        try d.write(to: URL(fileURLWithPath: file))
    }

    private func metricLines(_ run: String) throws -> Int {
        try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").count
    }

    func testResumeSkipsADamagedCheckpointWithANoteAndStopsWhenNoneIsValid() throws {
        let run = try finishedRun()
        try flipBit(run + "/checkpoints/step-00000004/model.safetensors")
        let resumed = try PrepProcess.run(common() + ["--out", run, "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(
            resumed.err.contains("note: skipped \(run)/checkpoints/step-00000004: ")
                && resumed.err.contains("model.safetensors: bad checkpoint: CRC-32")
                && resumed.err.contains("resuming from \(run)/checkpoints/step-00000002"), resumed.err)
        XCTAssertTrue(resumed.err.contains("finished: step 4/4"), resumed.err)
        XCTAssertEqual(try metricLines(run), 4)

        try flipBit(run + "/checkpoints/step-00000004/optimizer.safetensors")
        try flipBit(run + "/checkpoints/step-00000002/trainer_state.json")
        let none = try PrepProcess.run(common() + ["--out", run, "--resume"])
        XCTAssertEqual(none.status, 2, none.err)
        XCTAssertTrue(none.err.hasPrefix("error: \(run): no valid checkpoint to resume from"), none.err)
        XCTAssertEqual(none.err.filter { $0 == "\n" }.count, 1, none.err)
        XCTAssertEqual(try metricLines(run), 4)  // nothing restarted
    }

    func testLatestOutsideTheRunIsNotFollowed() throws {
        let run = try finishedRun()
        try Data("../../elsewhere\n".utf8).write(to: URL(fileURLWithPath: run + "/checkpoints/latest"))
        let r = try PrepProcess.run(common() + ["--out", run, "--resume"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("not a checkpoint directory of this run"), r.err)
        XCTAssertTrue(r.err.contains("resuming from \(run)/checkpoints/step-00000004"), r.err)
    }

    func testEvalAndExportRefuseADamagedCheckpoint() throws {
        let run = try finishedRun()
        let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path
        try flipBit(run + "/checkpoints/step-00000004/model.safetensors")
        let eval = try PrepProcess.run(["eval", "--checkpoint", run, "--data", run])
        XCTAssertEqual(eval.status, 2, eval.err)
        XCTAssertTrue(eval.err.contains("step-00000004/model.safetensors: bad checkpoint: CRC-32"), eval.err)
        let out = run + "-export"
        let export = try PrepProcess.run(["export", run, "--output", out, "--vocab", vocab])
        XCTAssertEqual(export.status, 2, export.err)
        XCTAssertTrue(export.err.contains("bad checkpoint"), export.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/model.safetensors"))
    }

    func testTrainIntoAnExistingRunIsRefusedUnlessOverwrite() throws {
        let run = try finishedRun()
        let before = try Data(contentsOf: URL(fileURLWithPath: run + "/metrics.jsonl"))
        let again = try PrepProcess.run(common(steps: 2) + ["--out", run])
        XCTAssertEqual(again.status, 2, again.err)
        XCTAssertTrue(again.err.contains("--overwrite"), again.err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: run + "/metrics.jsonl")), before)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints").sorted(),
            ["latest", "step-00000002", "step-00000004"])

        let fresh = try PrepProcess.run(common(steps: 2) + ["--out", run, "--overwrite"])
        XCTAssertEqual(fresh.status, 0, fresh.err)
        XCTAssertEqual(try metricLines(run), 2)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints").sorted(),
            ["latest", "step-00000002"])
        // A refused start writes nothing into a directory that holds no run yet either.
        let dir = (run as NSString).deletingLastPathComponent + "/bad"
        XCTAssertEqual(try PrepProcess.run(common() + ["--out", dir, "--lr", "nan"]).status, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
    }
}
