import Foundation
import XCTest

/// The fault suite: real faults on the built `prep` binary, each of which must end in a clear
/// error or in a re-run identical to an uninterrupted run.
/// - `kill -9` of `prep tokenize`, `prep mask` and `prep train` at seeded random moments (three
///   seeds each), then the same command again (`--resume` for train).
/// - A full disk: a tiny tmpfs (root only) as the output of each command, then the same tmpfs
///   remounted bigger and the command run again.
/// A damaged checkpoint and a foreign shard are the other faults of the suite; they have their own
/// files (CheckpointCommandTests, ForeignShardTests, CheckpointIntegrityTests), as do injected
/// write failures for a process that is not root (Tests/ShardsTests/ShardIOFailureTests.swift).
final class FaultSuiteTests: XCTestCase {
    let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path

    /// The seeds of the kill moments: fixed, so a failure names a moment that can be replayed.
    let seeds: [UInt64] = [1, 2, 3]

    // MARK: kill -9

    func testKillDashNineDuringTokenizeThenRerunIsByteIdentical() throws {
        let dir = try makeTemporaryDirectory("fault-tokenize")
        let text = try corpus(in: dir)
        // 3 MB of text, 1 MiB chunks: three shards, so a kill can fall between finished shards.
        let command = { (out: String) in
            ["tokenize", "--vocab", self.vocab, "--input", text, "--output", out, "--shard-tokens", "50000"]
        }
        try killAndRerun(command, in: dir, resume: [])
    }

    func testKillDashNineDuringMaskThenRerunIsByteIdentical() throws {
        let dir = try makeTemporaryDirectory("fault-mask")
        let docs = dir + "/docs"
        try ok(["tokenize", "--vocab", vocab, "--input", try corpus(in: dir), "--output", docs])
        // 750 documents, 20 a shard: ~40 shards, so every kill lands among finished and unfinished ones.
        let command = { (out: String) in
            ["mask", "--input", docs, "--output", out, "--seed", "7", "--documents-per-shard", "20"]
        }
        try killAndRerun(command, in: dir, resume: [])
    }

    func testKillDashNineDuringTrainThenResumeReachesTheSameWeights() throws {
        let dir = try makeTemporaryDirectory("fault-train")
        let config = try tinyModel(in: dir)
        // A checkpoint after every step: a kill can fall inside a checkpoint write.
        let command = { (out: String) in
            [
                "train", "--synthetic-vocab", "40", "--model", config, "--steps", "40", "--save-every", "1",
                "--batch-size", "2", "--max-length", "8", "--max-predictions", "2", "--threads", "1", "--out", out,
            ]
        }
        try killAndRerun(command, in: dir, resume: ["--resume"])
    }

    // MARK: full disk

    func testFullDiskDuringTokenizeFailsCleanlyThenResumesIdentically() throws {
        let dir = try makeTemporaryDirectory("fault-enospc-tokenize")
        let text = try corpus(in: dir)
        let command = { (out: String) in
            ["tokenize", "--vocab", self.vocab, "--input", text, "--output", out, "--shard-tokens", "50000"]
        }
        // The shards are ~90 KB each and the vocabulary copy 231 KB: 150 KB holds one shard.
        try fillDiskAndRerun(command, in: dir, smallSize: "150k")
    }

    func testFullDiskDuringMaskFailsCleanlyThenResumesIdentically() throws {
        let dir = try makeTemporaryDirectory("fault-enospc-mask")
        let docs = dir + "/docs"
        try ok(["tokenize", "--vocab", vocab, "--input", try corpus(in: dir), "--output", docs])
        let command = { (out: String) in
            ["mask", "--input", docs, "--output", out, "--seed", "7", "--documents-per-shard", "20"]
        }
        // ~1.9 MB of shards in all.
        try fillDiskAndRerun(command, in: dir, smallSize: "512k")
    }

    func testFullDiskDuringTrainFailsCleanlyThenResumesIdentically() throws {
        let dir = try makeTemporaryDirectory("fault-enospc-train")
        let config = try tinyModel(in: dir)
        let command = { (out: String) in
            [
                "train", "--synthetic-vocab", "40", "--model", config, "--steps", "12", "--save-every", "1",
                "--batch-size", "2", "--max-length", "8", "--max-predictions", "2", "--threads", "1", "--out", out,
            ]
        }
        // A checkpoint is ~150 KB and two are kept: 400 KB holds two and fails inside the third.
        // (A disk full before the first checkpoint leaves a run with nothing to resume: `--resume`
        // then stops with exit 2 and asks for --overwrite, as docs/training.md says.)
        try fillDiskAndRerun(command, in: dir, smallSize: "400k", resume: ["--resume"])
    }

    // MARK: the two procedures

    /// Runs `command` uninterrupted into `dir/reference`, then for each seed starts it into its own
    /// directory, SIGKILLs it at a seeded moment within the reference's duration, checks that no
    /// file under a final name is partial, runs it again to completion and compares with the reference.
    private func killAndRerun(_ command: (String) -> [String], in dir: String, resume: [String]) throws {
        let reference = dir + "/reference"
        let started = Date()
        try ok(command(reference))
        let duration = Date().timeIntervalSince(started)
        let expected = try snapshot(reference)
        var killedInFlight = 0
        for seed in seeds {
            var random = SplitMix64(seed: seed)
            // Between 5 % and 95 % of an uninterrupted run (start-up included).
            let delay = duration * (0.05 + 0.9 * Double(random.next() % 1000) / 1000)
            let out = "\(dir)/killed-\(seed)"
            let victim = Process()
            victim.executableURL = PrepProcess.executable
            victim.arguments = command(out)
            victim.standardOutput = FileHandle.nullDevice
            victim.standardError = FileHandle.nullDevice
            try victim.run()
            usleep(UInt32(delay * 1_000_000))
            if victim.isRunning {
                kill(victim.processIdentifier, SIGKILL)
                killedInFlight += 1
            }
            victim.waitUntilExit()
            // Whatever the kill left under a final name must be complete: equal to the reference's file.
            try assertNoPartialFiles(in: out, reference: expected, context: "seed \(seed), \(delay) s")
            // The same command again (`--resume` for train) finishes as if nothing happened.
            let rerun = try PrepProcess.run(command(out) + (FileManager.default.fileExists(atPath: out) ? resume : []))
            XCTAssertEqual(rerun.status, 0, "seed \(seed), killed after \(delay) s: \(rerun.err)")
            XCTAssertFalse(rerun.err.contains("note: skipped"), "seed \(seed): a checkpoint was damaged: \(rerun.err)")
            try assertSameResult(out, as: expected, context: "seed \(seed), killed after \(delay) s")
        }
        // With the moments spread over the run, at least one kill must hit it while it runs.
        XCTAssertGreaterThan(killedInFlight, 0, "every run finished before its kill (\(duration) s)")
    }

    /// Runs `command` into a tmpfs of `smallSize`: it must fail with exit status 1 and a one-line
    /// error naming a file, leaving no manifest or `latest` that names a partial file. Then the
    /// tmpfs grows to 64 MB and the same command (plus `resume`) must give the reference's result.
    private func fillDiskAndRerun(
        _ command: (String) -> [String], in dir: String, smallSize: String, resume: [String] = []
    ) throws {
        let mountPoint = dir + "/tmpfs"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard getuid() == 0, (try? mount(["-t", "tmpfs", "-o", "size=\(smallSize)", "tmpfs", mountPoint])) == 0 else {
            // Not root (or no mount in this container): ShardIOFailureTests inject the write failures.
            throw XCTSkip("cannot mount a tmpfs here (needs root)")
        }
        addTeardownBlock { _ = try? self.mount(["umount", mountPoint]) }

        let reference = dir + "/reference"
        try ok(command(reference))
        let expected = try snapshot(reference)

        let out = mountPoint + "/out"
        let full = try PrepProcess.run(command(out))
        XCTAssertEqual(full.status, 1, full.err)
        XCTAssertTrue(full.err.hasPrefix("error: ") && full.err.contains(mountPoint + "/out/"), full.err)
        XCTAssertTrue(full.err.contains("No space left on device") || full.err.contains("errno 28"), full.err)
        XCTAssertEqual(full.err.filter { $0 == "\n" }.count, 1, full.err)
        // What the failure left under a final name is complete (a manifest, `latest` included).
        try assertNoPartialFiles(in: out, reference: expected, context: "full disk")

        XCTAssertEqual(try mount(["-o", "remount,size=64m", mountPoint]), 0)
        let rerun = try PrepProcess.run(command(out) + resume)
        XCTAssertEqual(rerun.status, 0, rerun.err)
        XCTAssertFalse(rerun.err.contains("note: skipped"), rerun.err)
        try assertSameResult(out, as: expected, context: "after a full disk")
    }

    // MARK: comparisons

    /// Every regular file under `dir` by relative path (hidden ones included).
    private func snapshot(_ dir: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walk = FileManager.default.enumerator(atPath: dir) else { return files }
        for case let path as String in walk {
            var isDirectory: ObjCBool = false
            let full = dir + "/" + path
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[path] = try Data(contentsOf: URL(fileURLWithPath: full))
            }
        }
        return files
    }

    /// A tokenize or mask output equals the reference file for file (no temporaries left over). A
    /// run directory: the same checkpoints, the final weights and moments byte for byte, and the
    /// same loss at every step (the timing fields of metrics.jsonl differ by nature).
    private func assertSameResult(_ dir: String, as expected: [String: Data], context: String) throws {
        let actual = try snapshot(dir)
        if expected["metrics.jsonl"] == nil {
            XCTAssertEqual(actual.keys.sorted(), expected.keys.sorted(), context)
            for (name, data) in expected where actual[name] != data {
                XCTFail("\(context): \(name) differs from the uninterrupted run's")
            }
            return
        }
        XCTAssertEqual(actual.keys.sorted(), expected.keys.sorted(), context)
        for (name, data) in expected where name.hasSuffix(".safetensors") || name.hasSuffix("latest") {
            XCTAssertEqual(actual[name], data, "\(context): \(name)")
        }
        XCTAssertEqual(try losses(actual["metrics.jsonl"]), try losses(expected["metrics.jsonl"]), context)
    }

    /// After a fault, a file under a final name is the finished file: a shard, a manifest, a
    /// vocabulary copy, checkpoint files and `latest` equal the reference's (a run's metrics.jsonl
    /// is appended line by line, and rewritten on resume, so only its shape is checked); hidden
    /// files are the temporaries a re-run removes.
    private func assertNoPartialFiles(in dir: String, reference: [String: Data], context: String) throws {
        let files = try snapshot(dir)
        for (name, data) in files {
            let components = name.split(separator: "/")
            if components.contains(where: { $0.hasPrefix(".") }) || name == "metrics.jsonl" { continue }
            if name == "checkpoints/latest" {
                // `latest` is written last: the checkpoint it names is complete.
                let named = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                XCTAssertNotNil(files["checkpoints/\(named)/checkpoint.json"], "\(context): latest names \(named)")
            } else if components.first == "checkpoints" {
                // A checkpoint directory under its final name holds checkpoint.json (written last,
                // then the directory renamed); the re-run verifies every CRC-32 (no "skipped" note).
                let step = components.prefix(2).joined(separator: "/")
                XCTAssertNotNil(files[step + "/checkpoint.json"], "\(context): \(step) is incomplete")
                if name.hasSuffix(".safetensors"), let finished = reference[name] {
                    XCTAssertEqual(data, finished, "\(context): \(name) differs from the uninterrupted run's")
                }
            } else {
                XCTAssertEqual(data, reference[name], "\(context): \(name) is under its final name but not complete")
            }
        }
    }

    /// The (step, loss) pairs of a metrics.jsonl.
    private func losses(_ data: Data?) throws -> [String] {
        let text = String(decoding: data ?? Data(), as: UTF8.self)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return "\(object["step"] ?? "?"): \(object["loss"] ?? "?")"
        }
    }

    // MARK: fixtures

    /// 3 MB of text: the King James sample ten times, one document per copy boundary.
    private func corpus(in dir: String) throws -> String {
        let sample = try Data(contentsOf: PrepProcess.root.appendingPathComponent("Corpora/en/kjv-sample.txt"))
        var text = Data()
        for _ in 0..<10 {
            text.append(sample)
            text.append(contentsOf: Array("\n\n".utf8))
        }
        let path = dir + "/corpus.txt"
        try text.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A one-layer model small enough that a step takes milliseconds.
    private func tinyModel(in dir: String) throws -> String {
        let path = dir + "/bert.json"
        try Data(
            #"{"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}"#.utf8
        ).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func ok(_ arguments: [String]) throws {
        let r = try PrepProcess.run(arguments)
        XCTAssertEqual(r.status, 0, "\(arguments.first ?? ""): \(r.err)")
    }

    /// Runs mount(8) (or umount(8) when the first argument is "umount"); returns its exit status.
    @discardableResult
    private func mount(_ arguments: [String]) throws -> Int32 {
        let p = Process()
        let unmount = arguments.first == "umount"
        p.executableURL = URL(fileURLWithPath: unmount ? "/bin/umount" : "/bin/mount")
        p.arguments = unmount ? Array(arguments.dropFirst()) : arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}

/// SplitMix64: a seeded generator, so the kill moments are the same on every run.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
