import Foundation
import XCTest

/// `mpirun -np N prep train`: data-parallel training under Open MPI gives the single-process
/// run's losses and checkpoints (to summation order), resumes across world sizes, and ends
/// every rank when one fails. Skipped where `mpirun` is absent (Scripts/setup installs it).
final class MPITrainTests: XCTestCase {
    static let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// The suite runs `tiny` with the debug build (seconds per run); `Scripts/parity/mpi` runs
    /// the same tests on `mini` with the release build (DRBERT_MPI_MODEL, DRBERT_MPI_PREP).
    static let model = ProcessInfo.processInfo.environment["DRBERT_MPI_MODEL"] ?? "tiny"
    static let prep =
        ProcessInfo.processInfo.environment["DRBERT_MPI_PREP"].map { URL(fileURLWithPath: $0) }
        ?? PrepProcess.executable

    private func requireMPI() throws -> String {
        guard let m = Self.mpirun else { throw XCTSkip("mpirun is not installed (Scripts/setup installs openmpi-bin)") }
        return m
    }

    /// `prep arguments` under `mpirun -np ranks` (ranks 0: plain `prep`, no MPI).
    @discardableResult
    private func train(ranks: Int, _ arguments: [String]) throws -> (status: Int32, err: String) {
        let p = Process()
        if ranks == 0 {
            p.executableURL = Self.prep
            p.arguments = arguments
        } else {
            p.executableURL = URL(fileURLWithPath: try requireMPI())
            p.arguments =
                ["-np", String(ranks), "--allow-run-as-root", "--oversubscribe", Self.prep.path]
                + arguments
        }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    /// `Self.model` on tiny synthetic batches: a few seconds per run.
    private func common(decoder: String = "mlm", batch: Int = 4, steps: Int = 10) -> [String] {
        [
            "train", "--synthetic-vocab", "120", "--model", Self.model, "--decoder", decoder, "--steps", String(steps),
            "--batch-size", String(batch), "--max-length", "8", "--max-predictions", "2", "--lr", "1e-3",
            "--warmup", "2", "--seed", "11", "--threads", "1",
        ]
    }

    private func metrics(_ run: String) throws -> [[String: Any]] {
        try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
    private func losses(_ run: String) throws -> [Double] { try metrics(run).map { $0["loss"] as! Double } }

    private func assertClose(
        _ a: [Double], _ b: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() {
            XCTAssertLessThanOrEqual(
                abs(x - y), 1e-5 * abs(x), "\(what) step \(i + 1): \(x) vs \(y)", file: file, line: line)
        }
    }

    /// The float32 data of a safetensors file (the header must be the same).
    private func tensorData(_ path: String) throws -> (header: Data, values: [Float]) {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = Int(d.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let body = d.dropFirst(8 + n)
        let values = body.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return (d.subdata(in: 8..<8 + n), values)
    }

    private func assertCheckpointsClose(
        _ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        for name in ["model.safetensors", "optimizer.safetensors"] {
            let x = try tensorData(a + "/" + name), y = try tensorData(b + "/" + name)
            XCTAssertEqual(x.header, y.header, name, file: file, line: line)
            XCTAssertEqual(x.values.count, y.values.count, name, file: file, line: line)
            // Relative to the file's norm: element-wise, AdamW turns a summation-order difference
            // in a near-zero gradient into a difference of order lr in that one weight.
            var difference = 0.0, norm = 0.0
            for (u, v) in zip(x.values, y.values) {
                difference += Double(u - v) * Double(u - v)
                norm += Double(u) * Double(u)
            }
            let relative = (difference / max(norm, 1e-30)).squareRoot()
            XCTAssertLessThanOrEqual(relative, 1e-5, "\(name): ‖a − b‖ / ‖a‖", file: file, line: line)
        }
    }

    func testTwoRanksEqualOneRankForEveryDecoder() throws {
        _ = try requireMPI()
        let dir = try makeTemporaryDirectory("mpi-decoders")
        for decoder in ["mlm", "emd", "bpdec"] {
            let args = common(decoder: decoder)
            let one = try train(ranks: 0, args + ["--out", "\(dir)/\(decoder)-1"])
            XCTAssertEqual(one.status, 0, one.err)
            let two = try train(ranks: 2, args + ["--out", "\(dir)/\(decoder)-2"])
            XCTAssertEqual(two.status, 0, two.err)
            let l1 = try losses("\(dir)/\(decoder)-1"), l2 = try losses("\(dir)/\(decoder)-2")
            XCTAssertEqual(l1.count, 10)
            assertClose(l1, l2, decoder)
            XCTAssertNotEqual(l1.first, l1.last, "\(decoder): the loss must move for the comparison to mean anything")
            XCTAssertEqual(try metrics("\(dir)/\(decoder)-2").first?["world_size"] as? Int, 2)
            try assertCheckpointsClose(
                "\(dir)/\(decoder)-1/checkpoints/step-00000010", "\(dir)/\(decoder)-2/checkpoints/step-00000010")
        }
    }

    /// 2 ranks for 4 steps, 1 rank to step 7, 3 ranks to step 10: the straight run's curve.
    func testResumeAcrossWorldSizes() throws {
        _ = try requireMPI()
        let dir = try makeTemporaryDirectory("mpi-resume")
        let args = common(decoder: "bpdec", batch: 6)
        XCTAssertEqual(try train(ranks: 0, args + ["--out", dir + "/straight"]).status, 0)
        let run = ["--out", dir + "/elastic"]
        var r = try train(ranks: 2, args + run + ["--stop-after", "4"])
        XCTAssertEqual(r.status, 0, r.err)
        let state =
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: URL(fileURLWithPath: dir + "/elastic/checkpoints/step-00000004/trainer_state.json")))
            as! [String: Any]
        XCTAssertEqual(state["worldSize"] as? Int, 2)
        XCTAssertEqual((state["rankSourceStates"] as? [Any])?.count, 2)
        r = try train(ranks: 0, args + run + ["--resume", "--stop-after", "7"])
        XCTAssertEqual(r.status, 0, r.err)
        r = try train(ranks: 3, args + run + ["--resume"])
        XCTAssertEqual(r.status, 0, r.err)
        assertClose(try losses(dir + "/straight"), try losses(dir + "/elastic"), "2 → 1 → 3 ranks")
    }

    /// Real data through the loader: 60 instances in global batches of 18, so every epoch
    /// ends with a batch of 6 that leaves the later ranks' shares empty. 2 ranks to step 4
    /// (across the epoch end), 1 rank to step 7, 3 ranks to step 12: the straight run's curve.
    func testLoaderSharesAcrossEpochEndsAndWorldSizes() throws {
        _ = try requireMPI()
        let dir = try makeTemporaryDirectory("mpi-loader")
        let text = try String(
            contentsOf: PrepProcess.root.appendingPathComponent("Corpora/en/kjv-sample.txt"), encoding: .utf8)
        try String(text.utf8.prefix(6000))!.write(toFile: dir + "/c.txt", atomically: true, encoding: .utf8)
        let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path
        for step in [
            ["tokenize", "--vocab", vocab, "--input", dir + "/c.txt", "--output", dir + "/docs"],
            ["mask", "--input", dir + "/docs", "--output", dir + "/inst", "--max-seq-length", "32"],
        ] {
            let r = try PrepProcess.run(step)
            XCTAssertEqual(r.status, 0, r.err)
        }
        let config = dir + "/bert.json"
        try Data(
            #"{"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}"#.utf8
        ).write(to: URL(fileURLWithPath: config))
        let args = [
            "train", "--data", dir + "/inst", "--model", config, "--decoder", "bpdec", "--steps", "12",
            "--batch-size", "18", "--lr", "1e-3", "--seed", "5", "--threads", "1",
        ]
        let straight = try train(ranks: 0, args + ["--out", dir + "/straight"])
        XCTAssertEqual(straight.status, 0, straight.err)
        let run = ["--out", dir + "/elastic"]
        for (ranks, extra) in [(2, ["--stop-after", "4"]), (0, ["--resume", "--stop-after", "7"]), (3, ["--resume"])] {
            let r = try train(ranks: ranks, args + run + extra)
            XCTAssertEqual(r.status, 0, "\(ranks) ranks: \(r.err)")
        }
        assertClose(try losses(dir + "/straight"), try losses(dir + "/elastic"), "loader, 2 → 1 → 3 ranks")
    }

    func testABatchThatDoesNotSplitIsRefused() throws {
        let dir = try makeTemporaryDirectory("mpi-split")
        let r = try train(ranks: 2, common(batch: 3, steps: 2) + ["--out", dir + "/r"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("split evenly over the 2 MPI ranks"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/r/metrics.jsonl"))
    }

    /// A NaN stops every rank at the same step; the job fails, the last good checkpoint stays.
    func testNaNStopsAllRanksKeepingTheLastGoodCheckpoint() throws {
        let dir = try makeTemporaryDirectory("mpi-nan")
        var args = common(steps: 50) + ["--out", dir + "/r", "--save-every", "1"]
        args[args.firstIndex(of: "--lr")! + 1] = "1e30"
        let r = try train(ranks: 2, args)
        XCTAssertEqual(r.status, 1, r.err)
        let reports = r.err.components(separatedBy: "loss became NaN or Inf").count - 1
        XCTAssertEqual(reports, 1, "rank 0 alone reports it: \(r.err)")
        let steps = try losses(dir + "/r").count
        XCTAssertLessThan(steps, 50)
        let latest = try String(contentsOfFile: dir + "/r/checkpoints/latest", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(latest, String(format: "step-%08d", steps))
    }

    /// A rank killed mid-run ends the job with a non-zero status and a message naming it,
    /// instead of leaving the other rank waiting in an allreduce.
    func testADeadRankEndsTheJob() throws {
        let mpirun = try requireMPI()
        let dir = try makeTemporaryDirectory("mpi-dead")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: mpirun)
        p.arguments =
            ["-np", "2", "--allow-run-as-root", "--oversubscribe", Self.prep.path]
            + common(steps: 100000) + ["--out", dir + "/r"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline,
            ((try? String(contentsOfFile: dir + "/r/metrics.jsonl", encoding: .utf8))?.count ?? 0) == 0
        {
            Thread.sleep(forTimeInterval: 0.1)
        }
        guard let victim = rankProcess(1, under: p.processIdentifier) else {
            p.terminate(); p.waitUntilExit()
            return XCTFail("rank 1 not found")
        }
        kill(victim, SIGKILL)
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertNotEqual(p.terminationStatus, 0)
        XCTAssertTrue(errText.contains("signal 9") || errText.contains("Killed"), errText)
    }

    /// The pid of the child process of `parent` whose environment says it is MPI rank `rank`.
    private func rankProcess(_ rank: Int, under parent: pid_t) -> pid_t? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for e in entries {
            guard let pid = pid_t(e),
                let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, pid_t(fields[1]) == parent,
                let env = FileManager.default.contents(atPath: "/proc/\(e)/environ")
            else { continue }
            let vars = env.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if vars.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }

    /// Started as if by a launcher but without a loadable Open MPI: one line, exit status 2.
    func testALaunchWithoutOpenMPIIsOneLineExitTwo() throws {
        let dir = try makeTemporaryDirectory("mpi-missing")
        let p = Process()
        p.executableURL = Self.prep
        p.arguments = common(steps: 2) + ["--out", dir + "/r"]
        p.environment = ProcessInfo.processInfo.environment.merging([
            "OMPI_COMM_WORLD_SIZE": "2", "DRBERT_MPI_LIBRARY": "libmpi-that-is-not-here.so",
        ]) { $1 }
        let err = Pipe()
        p.standardError = err
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 2, text)
        XCTAssertEqual(text.split(separator: "\n").count, 1, text)
        XCTAssertTrue(text.hasPrefix("error: MPI:"), text)
    }
}
