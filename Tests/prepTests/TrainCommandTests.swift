import Foundation
import XCTest

/// `prep train` / `prep eval` end to end through the built binary (synthetic data, tiny model).
final class TrainCommandTests: XCTestCase {
    private func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try PrepProcess.run(arguments)
    }

    private func tempDir() throws -> String { try makeTemporaryDirectory("train-cli") }

    /// A BERT config file in `dir`: `hidden` wide, `layers` deep, two heads, a feed-forward twice as wide.
    private func modelConfig(in dir: String, hidden: Int, layers: Int) throws -> String {
        let path = dir + "/bert.json"
        try Data(
            #"{"hidden_size": \#(hidden), "num_hidden_layers": \#(layers), "num_attention_heads": 2, "intermediate_size": \#(2 * hidden)}"#
                .utf8
        )
        .write(to: URL(fileURLWithPath: path))
        return path
    }

    private func losses(_ run: String) throws -> [Double] {
        try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
            let o = try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            XCTAssertNotNil(o["tokens_per_s"]); XCTAssertNotNil(o["gflops"]); XCTAssertNotNil(o["grad_norm"])
            return o["loss"] as! Double
        }
    }

    func testStopAfterThenResumeEqualsStraightRun() throws {
        let dir = try tempDir()
        let config = try modelConfig(in: dir, hidden: 32, layers: 2)
        let common = [
            "train", "--synthetic-vocab", "60", "--model", config, "--steps", "6", "--batch-size", "4",
            "--max-length", "16", "--max-predictions", "3", "--lr", "1e-3", "--warmup", "2", "--seed", "7",
        ]
        XCTAssertEqual(try run(common + ["--out", dir + "/a"]).status, 0)
        let stopped = try run(common + ["--out", dir + "/b", "--stop-after", "3"])
        XCTAssertEqual(stopped.status, 0, stopped.err)
        XCTAssertTrue(stopped.err.contains("--resume"), stopped.err)
        XCTAssertEqual(try run(common + ["--out", dir + "/b", "--resume"]).status, 0)
        XCTAssertEqual(try losses(dir + "/a"), try losses(dir + "/b"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/b/checkpoints/step-00000006/model.safetensors"))
    }

    /// Ctrl-C mid-run: the current step finishes, a checkpoint is written, exit status 130,
    /// and --resume continues from it.
    func testInterruptCheckpointsAndResumes() throws {
        let dir = try tempDir()
        let config = try modelConfig(in: dir, hidden: 16, layers: 1)
        let args = [
            "train", "--synthetic-vocab", "40", "--model", config, "--steps", "1000000", "--batch-size", "2",
            "--max-length", "8", "--max-predictions", "2", "--out", dir + "/r",
        ]
        let p = Process()
        p.executableURL = PrepProcess.executable
        p.arguments = args
        p.standardError = FileHandle.nullDevice
        try p.run()
        let metrics = dir + "/r/metrics.jsonl"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? String(contentsOfFile: metrics, encoding: .utf8))?.count ?? 0) == 0 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        p.interrupt()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        let latest = try String(contentsOfFile: dir + "/r/checkpoints/latest", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let steps = try losses(dir + "/r").count
        XCTAssertGreaterThan(steps, 0)
        XCTAssertEqual(latest, String(format: "step-%08d", steps))
        // The resumed run keeps the saved schedule (--steps 1000000); stop it two steps later.
        let resumed = try run(args + ["--resume", "--stop-after", String(steps + 2)])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertEqual(try losses(dir + "/r").count, steps + 2)
    }

    func testBadArgumentsExitWithStatus2() throws {
        let dir = try tempDir()
        let bad = try run([
            "train", "--synthetic-vocab", "60", "--model", "enormous", "--steps", "2", "--out", dir + "/r",
        ])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.err.contains("enormous"), bad.err)
        XCTAssertNotEqual(try run(["train", "--steps", "2", "--out", dir + "/r"]).status, 0)  // no --data: usage error
        let missing = try run(["eval", "--checkpoint", dir + "/none", "--data", dir])
        XCTAssertNotEqual(missing.status, 0)
    }
}
