import Foundation
import XCTest
@testable import Masking
import Shards

/// `kill -9` of a running `prep mask`, then the same command again: the output must be
/// byte-identical to an uninterrupted run. Launches the built `prep` binary.
final class MaskCommandKillTests: XCTestCase {
    func prepBinary() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("prep").path,
                          Bundle.main.bundleURL.appendingPathComponent("prep").path,
                          root.appendingPathComponent(".build/debug/prep").path]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("prep binary not built (looked in \(candidates))")
        }
        return path
    }

    func mask(_ prep: String, _ input: String, _ output: String, threads: Int) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: prep)
        p.arguments = ["mask", "--input", input, "--output", output, "--whole-word", "--pairs", "nsp",
                       "--threads", "\(threads)", "--documents-per-shard", "25", "--dupe-factor", "2", "--json"]
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
            XCTAssertEqual(FileManager.default.contents(atPath: reference + "/" + s.file),
                           FileManager.default.contents(atPath: killed + "/" + s.file), s.file)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: killed).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }
}
