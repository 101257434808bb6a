import Foundation
import XCTest

/// The scale-out path as users run it: `prep mask --partition` and `prep tokenize --partition`
/// under GNU parallel (Scripts/cluster/mask-parallel, tokenize-parallel), then `prep merge`:
/// the single run's dataset.
final class ScaleOutCommandsTests: XCTestCase {
    private func ok(_ arguments: [String]) throws -> String {
        let r = try PrepProcess.run(arguments)
        XCTAssertEqual(r.status, 0, "prep \(arguments.joined(separator: " ")): \(r.err)")
        return r.out
    }

    private func tokenized(in dir: String) throws -> String {
        let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path
        let corpus = PrepProcess.root.appendingPathComponent("Corpora/en").path
        _ = try ok(["tokenize", "--vocab", vocab, "--input", corpus, "--output", dir + "/docs"])
        return dir + "/docs"
    }

    private static let maskOptions = [
        "--span", "--pairs", "sop", "--dupe-factor", "2", "--documents-per-shard", "16", "--max-seq-length", "64",
    ]

    func testGNUParallelPartsMergeIntoTheSingleRun() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/parallel") else {
            throw XCTSkip("GNU parallel is not installed (Scripts/setup installs it)")
        }
        let dir = try makeTemporaryDirectory("scale-out-parallel")
        let docs = try tokenized(in: dir)
        _ = try ok(["mask", "--input", docs, "--output", dir + "/single"] + Self.maskOptions)
        let script = PrepProcess.root.appendingPathComponent("Scripts/cluster/mask-parallel").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: script)
        p.arguments = ["4", docs, dir + "/merged"] + Self.maskOptions
        p.environment = ProcessInfo.processInfo.environment.merging(["PREP": PrepProcess.executable.path]) { $1 }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, errText)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/single").sorted()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/merged").sorted(), names)
        XCTAssertGreaterThan(names.filter { $0.hasSuffix(".drbs") }.count, 4)
        for name in names {
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: dir + "/merged/" + name)),
                try Data(contentsOf: URL(fileURLWithPath: dir + "/single/" + name)), name)
        }
    }

    /// Scripts/cluster/tokenize-parallel: 4 tokenize parts of two directories (text and JSONL)
    /// merged, then masked: the single tokenize + mask run's instance shards, byte for byte.
    func testGNUParallelTokenizePartsMergeIntoTheSingleRun() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/parallel") else {
            throw XCTSkip("GNU parallel is not installed (Scripts/setup installs it)")
        }
        let dir = try makeTemporaryDirectory("scale-out-tokenize-parallel")
        let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path
        let tokenizeOptions = [
            "--vocab", vocab, "--input", PrepProcess.root.appendingPathComponent("Corpora/en").path,
            PrepProcess.root.appendingPathComponent("Corpora/jsonl").path, "--shard-tokens", "20000",
        ]
        _ = try ok(["tokenize"] + tokenizeOptions + ["--output", dir + "/docs"])
        let script = PrepProcess.root.appendingPathComponent("Scripts/cluster/tokenize-parallel").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: script)
        p.arguments = ["4", dir + "/merged-docs"] + tokenizeOptions
        p.environment = ProcessInfo.processInfo.environment.merging(["PREP": PrepProcess.executable.path]) { $1 }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, errText)
        for i in 0..<4 {
            let m = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: dir + "/merged-docs.parts/part-\(i)/manifest.json")))
            XCTAssertEqual(((m as! [String: Any])["config"] as! [String: String])["partition"], "\(i)/4")
        }
        _ = try ok(["mask", "--input", dir + "/docs", "--output", dir + "/single"] + Self.maskOptions)
        _ = try ok(["mask", "--input", dir + "/merged-docs", "--output", dir + "/merged"] + Self.maskOptions)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/single").sorted()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/merged").sorted(), names)
        XCTAssertGreaterThan(names.filter { $0.hasSuffix(".drbs") }.count, 4)
        for name in names where name != "manifest.json" {
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: dir + "/merged/" + name)),
                try Data(contentsOf: URL(fileURLWithPath: dir + "/single/" + name)), name)
        }
        let bad = try PrepProcess.run(["tokenize"] + tokenizeOptions + ["--output", dir + "/x", "--partition", "4/4"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.err.contains("--partition must be I/N with 0 ≤ I < N"), bad.err)
    }

    func testMergeCommandSummaryAndErrors() throws {
        let dir = try makeTemporaryDirectory("scale-out-merge")
        let docs = try tokenized(in: dir)
        for i in 0..<2 {
            _ = try ok(
                ["mask", "--input", docs, "--output", dir + "/p\(i)", "--partition", "\(i)/2"] + Self.maskOptions)
        }
        let summary = try ok(["merge", "--output", dir + "/m", dir + "/p1", dir + "/p0", "--json"])
        let s = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as! [String: Any]
        XCTAssertEqual(s["parts"] as? Int, 2)
        XCTAssertEqual(s["linked"] as? Int, s["shards"] as? Int)
        let verify = try PrepProcess.run(["verify", dir + "/m", "--all"])
        XCTAssertEqual(verify.status, 0, verify.err)

        let missing = try PrepProcess.run(["merge", "--output", dir + "/m2", dir + "/p1"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.err, "error: \(dir)/p1: part(s) 0/2 missing; all 2 parts are needed\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/m2"))
        let badPartition = try PrepProcess.run(
            ["mask", "--input", docs, "--output", dir + "/x", "--partition", "2/2"] + Self.maskOptions)
        XCTAssertEqual(badPartition.status, 2)
        XCTAssertTrue(badPartition.err.contains("--partition must be I/N with 0 ≤ I < N"), badPartition.err)
    }
}
