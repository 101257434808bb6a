import Foundation
import XCTest
@testable import Masking
import Shards

/// The built `prep` binary as a user runs it: exit codes and one-line errors, `inspect`, and
/// `kill -9` of a running `prep mask` followed by the same command again, whose output must be
/// byte-identical to an uninterrupted run.
final class MaskCommandTests: XCTestCase {
    func prepBinary() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("prep").path,
            Bundle.main.bundleURL.appendingPathComponent("prep").path,
            root.appendingPathComponent(".build/debug/prep").path,
        ]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("prep binary not built (looked in \(candidates))")
        }
        return path
    }

    func mask(_ prep: String, _ input: String, _ output: String, threads: Int) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: prep)
        p.arguments = [
            "mask", "--input", input, "--output", output, "--whole-word", "--pairs", "nsp",
            "--threads", "\(threads)", "--documents-per-shard", "25", "--dupe-factor", "2", "--json",
        ]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func testKillDashNineThenRerunGivesIdenticalOutput() throws {
        let prep = try prepBinary()
        let input = DocumentDatasetFixture.temporaryDirectory("kill-input")
        let reference = DocumentDatasetFixture.temporaryDirectory("kill-ref")
        let killed = DocumentDatasetFixture.temporaryDirectory("kill-out")
        defer { for d in [input, reference, killed] { try? FileManager.default.removeItem(atPath: d) } }
        try DocumentDatasetFixture.write(DocumentDatasetFixture.documents(900), shards: 2, to: input)

        let full = try mask(prep, input, reference, threads: 2)
        full.waitUntilExit()
        XCTAssertEqual(full.terminationStatus, 0)

        let victim = try mask(prep, input, killed, threads: 2)
        // Kill once a few shards are finished (or give up waiting after 60 s).
        let deadline = Date().addingTimeInterval(60)
        while victim.isRunning && Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: killed)) ?? []
            if names.filter({ $0.hasSuffix(".drbs") && !$0.hasPrefix(".") }).count >= 5 { break }
            usleep(2_000)
        }
        guard victim.isRunning else { throw XCTSkip("prep mask finished before it could be killed") }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        XCTAssertEqual(victim.terminationReason, .uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: killed + "/" + Dataset.manifestName))

        let rerun = try mask(prep, input, killed, threads: 1)
        rerun.waitUntilExit()
        XCTAssertEqual(rerun.terminationStatus, 0)
        let a = try Dataset.readManifest(in: reference), b = try Dataset.readManifest(in: killed)
        XCTAssertEqual(a.shards, b.shards)
        XCTAssertEqual(a.config, b.config)
        for s in a.shards {
            XCTAssertEqual(
                FileManager.default.contents(atPath: reference + "/" + s.file),
                FileManager.default.contents(atPath: killed + "/" + s.file), s.file)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: killed).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    /// Runs `prep` with `arguments`; returns (status, stdout, stderr).
    func prep(_ arguments: [String]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try prepBinary())
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testExitCodesErrorsAndInspect() throws {
        let input = DocumentDatasetFixture.temporaryDirectory("cli-input")
        let output = DocumentDatasetFixture.temporaryDirectory("cli-out")
        let missing = DocumentDatasetFixture.temporaryDirectory("cli-missing")
        defer { for d in [input, output, missing] { try? FileManager.default.removeItem(atPath: d) } }
        try DocumentDatasetFixture.write(DocumentDatasetFixture.documents(60), shards: 1, to: input)

        var (status, _, err) = try prep(["mask", "--input", missing, "--output", output])
        XCTAssertEqual(status, 2)
        XCTAssert(err.contains(missing) && err.contains("manifest.json"), err)
        XCTAssertEqual(err.split(separator: "\n", omittingEmptySubsequences: false).count, 2, err)  // one line + final newline

        (status, _, _) = try prep(["mask", "--input", input, "--output", output, "--whole-word", "--span"])
        XCTAssertNotEqual(status, 0)

        var out: String
        (status, out, err) = try prep([
            "mask", "--input", input, "--output", output, "--span", "--pairs", "sop", "--json",
        ])
        XCTAssertEqual(status, 0, err)
        let summary = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        let instances = (summary["statistics"] as! [String: Any])["instances"] as! Int
        XCTAssertGreaterThan(instances, 60)

        (status, out, err) = try prep(["inspect", output, "--json"])
        XCTAssertEqual(status, 0, err)
        let lines = out.split(separator: "\n")
        XCTAssertEqual(lines.count, instances)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(
            Set(first.keys), ["input_ids", "segment_ids", "masked_positions", "masked_labels", "next_sentence_label"])

        (status, out, _) = try prep(["inspect", output, "--limit", "2"])
        XCTAssertEqual(status, 0)
        XCTAssert(out.hasPrefix("instance 0 ") && out.contains("instance 1 ") && !out.contains("instance 2 "), out)

        // A flipped bit in an output shard: inspect names the shard and exits non-zero.
        let shard = Dataset.shardPath(in: output, index: 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        bytes[bytes.count / 2] ^= 0x04
        try bytes.write(to: URL(fileURLWithPath: shard))
        (status, _, err) = try prep(["inspect", output, "--json"])
        XCTAssertNotEqual(status, 0)
        XCTAssert(err.contains("shard-00000.drbs"), err)
    }
}
