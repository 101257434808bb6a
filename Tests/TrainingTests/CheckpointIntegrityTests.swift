import Foundation
import XCTest
@testable import Training

/// Damaged and misnamed checkpoints: `--resume` never trains on them, falls back to the newest
/// valid checkpoint with a note, and fails when none is valid; a fresh start never mixes runs.
final class CheckpointIntegrityTests: XCTestCase {
    func options(steps: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.steps = steps; o.batchSize = 2; o.maxLength = 8; o.maxPredictions = 2
        o.learningRate = 2e-3; o.seed = 3; o.saveEvery = 2; o.threads = 1
        return o
    }

    func trainer(_ o: TrainingOptions, run: String, start: Trainer.Start) throws -> Trainer {
        try Trainer(options: o, run: run, config: .trainerTest, start: start) { state in
            SyntheticBatchSource(
                vocabularySize: 40, batchSize: 2, length: 8, maxPredictions: 2, seed: 5, resumeState: state)
        }
    }

    /// A run with checkpoints at steps 2 and 4 (`latest` names step 4).
    func runWithTwoCheckpoints() throws -> String {
        let run = temporaryPath("drbert-ckpt")
        XCTAssertEqual(try trainer(options(steps: 4), run: run, start: .fresh).train(), .finished)
        return run
    }

    func checkpoint(_ run: String, step: Int) -> String { run + "/checkpoints/" + Checkpoint.name(step: step) }

    /// Flips one bit in the middle of `file`.
    func flipBit(_ file: String) throws {
        var d = try Data(contentsOf: URL(fileURLWithPath: file))
        d[d.count / 2] ^= 0x10
        try d.write(to: URL(fileURLWithPath: file))
    }

    func testCRC32IsZlibsStandardCheckValue() {
        XCTAssertEqual(CRC32.hex(CRC32.checksum(Data("123456789".utf8))), "cbf43926")
        XCTAssertEqual(CRC32.hex(CRC32.checksum(Data())), "00000000")
    }

    func testManifestIsWrittenLastAndListsEveryFile() throws {
        let run = try runWithTwoCheckpoints()
        let path = checkpoint(run, step: 4)
        let m = try CheckpointManifest.read(in: path)
        XCTAssertEqual(m.step, 4)
        XCTAssertEqual(Set(m.files.keys), Set(CheckpointManifest.requiredFiles))
        for (name, e) in m.files {
            let d = try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))
            XCTAssertEqual(e, CheckpointManifest.entry(for: d), name)
        }
        XCTAssertEqual(try Checkpoint.loadState(path).step, 4)
    }

    /// One bit flipped in any file of the newest checkpoint: resume skips it with a note naming
    /// the file, continues from step 2, and the run ends with a valid step-4 checkpoint again.
    func testBitFlipInNewestCheckpointFallsBackToPrevious() throws {
        for file in ["model.safetensors", "optimizer.safetensors", "trainer_state.json"] {
            let run = try runWithTwoCheckpoints()
            try flipBit(checkpoint(run, step: 4) + "/" + file)
            XCTAssertThrowsError(try Checkpoint.loadState(checkpoint(run, step: 4)), file)
            let t = try trainer(options(steps: 4), run: run, start: .resume)
            XCTAssertEqual(t.step, 2, file)
            XCTAssertEqual(t.lastCheckpoint, checkpoint(run, step: 2))
            XCTAssertEqual(t.skippedCheckpoints.count, 1, "\(t.skippedCheckpoints)")
            XCTAssertTrue(t.skippedCheckpoints[0].contains("step-00000004/\(file)"), t.skippedCheckpoints[0])
            XCTAssertEqual(try t.train(), .finished)
            XCTAssertEqual(try Checkpoint.loadState(checkpoint(run, step: 4)).step, 4)
            XCTAssertEqual(Checkpoint.latest(run: run), checkpoint(run, step: 4))
            let lines = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 4, file)
        }
    }

    func testTruncatedOrUnmanifestedCheckpointIsSkipped() throws {
        let run = try runWithTwoCheckpoints()
        let model = checkpoint(run, step: 4) + "/model.safetensors"
        let d = try Data(contentsOf: URL(fileURLWithPath: model))
        try d.prefix(d.count - 4).write(to: URL(fileURLWithPath: model))
        XCTAssertThrowsError(try Checkpoint.loadState(checkpoint(run, step: 4))) { e in
            XCTAssertTrue("\(e)".contains("bytes"), "\(e)")
        }
        try FileManager.default.removeItem(atPath: checkpoint(run, step: 4) + "/checkpoint.json")
        let t = try trainer(options(steps: 4), run: run, start: .resume)
        XCTAssertEqual(t.step, 2)
        XCTAssertTrue(t.skippedCheckpoints[0].contains("no checkpoint.json"), t.skippedCheckpoints[0])
    }

    func testDeletedTrainerStateIsSkipped() throws {
        let run = try runWithTwoCheckpoints()
        try FileManager.default.removeItem(atPath: checkpoint(run, step: 4) + "/trainer_state.json")
        XCTAssertEqual(Checkpoint.latest(run: run), checkpoint(run, step: 4))  // named, but not valid
        let t = try trainer(options(steps: 4), run: run, start: .resume)
        XCTAssertEqual(t.step, 2)
        XCTAssertTrue(t.skippedCheckpoints[0].contains("trainer_state.json"), t.skippedCheckpoints[0])
    }

    func testEveryCheckpointDamagedIsAnErrorNotARestart() throws {
        let run = try runWithTwoCheckpoints()
        try flipBit(checkpoint(run, step: 4) + "/model.safetensors")
        try flipBit(checkpoint(run, step: 2) + "/optimizer.safetensors")
        XCTAssertThrowsError(try trainer(options(steps: 4), run: run, start: .resume)) { e in
            guard case TrainingError.noValidCheckpoint(let r, let why) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(r, run)
            XCTAssertTrue(why.contains("step-00000004") && why.contains("step-00000002"), why)
            XCTAssertEqual((e as? TrainingError)?.exitCode, 2)
        }
        // A run whose checkpoints are all gone (metrics only) is no fresh start either.
        try FileManager.default.removeItem(atPath: run + "/checkpoints")
        XCTAssertThrowsError(try trainer(options(steps: 4), run: run, start: .resume))
    }

    /// `latest` may only name a checkpoint inside the run; empty, escaping or dangling
    /// names fall back to the newest valid checkpoint by step, with a note.
    func testBrokenLatestFallsBackToNewestValidStep() throws {
        for content in ["../other", "", "step-00000009", "/tmp", "..", "step-00000002/../../x"] {
            let run = try runWithTwoCheckpoints()
            // Something valid where "../other" would lead: it must not be loaded.
            try FileManager.default.copyItem(atPath: checkpoint(run, step: 2), toPath: run + "/other")
            try Data(content.utf8).write(to: URL(fileURLWithPath: run + "/checkpoints/latest"))
            XCTAssertNil(Checkpoint.latest(run: run), content)
            let t = try trainer(options(steps: 4), run: run, start: .resume)
            XCTAssertEqual(t.lastCheckpoint, checkpoint(run, step: 4), content)
            XCTAssertEqual(t.skippedCheckpoints.count, 1, content)
            XCTAssertTrue(t.skippedCheckpoints[0].contains("checkpoints/latest"), t.skippedCheckpoints[0])
        }
        let run = try runWithTwoCheckpoints()
        try FileManager.default.removeItem(atPath: run + "/checkpoints/latest")
        XCTAssertEqual(try trainer(options(steps: 4), run: run, start: .resume).step, 4)
    }

    func testLoadingADamagedCheckpointForEvaluationFails() throws {
        let run = try runWithTwoCheckpoints()
        let path = checkpoint(run, step: 4)
        let state = try Checkpoint.loadState(path)
        try flipBit(path + "/model.safetensors")
        XCTAssertThrowsError(try Checkpoint.loadModel(path, state: state)) { e in
            XCTAssertTrue("\(e)".contains("CRC-32"), "\(e)")
        }
        XCTAssertThrowsError(try Checkpoint.loadState(path))
        // The run directory itself is not a checkpoint; the message says what `latest` lacks.
        try Data("../x".utf8).write(to: URL(fileURLWithPath: run + "/checkpoints/latest"))
        XCTAssertThrowsError(try Checkpoint.loadState(run)) { e in
            XCTAssertTrue("\(e)".contains("a run directory"), "\(e)")
        }
    }

    func testFreshStartIntoARunIsRefusedAndOverwriteReplacesIt() throws {
        let run = try runWithTwoCheckpoints()
        let before = try Data(contentsOf: URL(fileURLWithPath: run + "/metrics.jsonl"))
        XCTAssertThrowsError(try trainer(options(steps: 2), run: run, start: .fresh)) { e in
            XCTAssertEqual(e as? TrainingError, .runExists(run))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: run + "/metrics.jsonl")), before)
        var o = options(steps: 2)
        o.seed = 99
        let t = try trainer(o, run: run, start: .overwrite)
        XCTAssertEqual(t.step, 0)
        XCTAssertEqual(try t.train(), .finished)
        let names = try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints").sorted()
        XCTAssertEqual(names, ["latest", "step-00000002"])
        XCTAssertEqual(try Checkpoint.loadState(try XCTUnwrap(Checkpoint.latest(run: run))).seed, 99)
        let lines = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: run).contains { $0.hasPrefix(".") })
    }
}
