import Foundation
import Shards
import XCTest

/// `prep verify` as a user runs it: the built executable, its stdout/stderr and exit status.
final class VerifyCommandTests: XCTestCase {
    private struct Run { var status: Int32; var stdout: String; var stderr: String }

    private func prep(_ arguments: [String]) throws -> Run {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("prep")
        // xctest lives at .build/<triple>/debug/X.xctest (a file on Linux); prep is its sibling.
        let candidates = [binary, Bundle.main.bundleURL.appendingPathComponent("prep"),
                          Bundle(for: Self.self).bundleURL.deletingLastPathComponent().appendingPathComponent("prep")]
        guard let exe = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("prep executable not found next to the test bundle")
        }
        let p = Process()
        p.executableURL = exe
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    private func makeDataset() throws -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("prep-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let schema = InstanceSchema.make(vocabularySize: 30_522)
        var shards: [ShardSummary] = []
        for k in 0..<2 {
            let w = try ShardWriter(path: Dataset.shardPath(in: dir, index: k), schema: schema, targetBlockBytes: 256)
            for i in 0..<50 {
                var r = ShardRecord(columnCount: 5)
                r.columns = [(0..<20).map { UInt32(($0 * 7 + i) % 30_522) }, Array(repeating: 0, count: 20), [3, 5], [7, 9], []]
                try w.append(r)
            }
            shards.append(try w.finish())
        }
        try Dataset.writeManifest(DatasetManifest(formatVersion: 1, kind: "instances", schema: schema, config: [:],
                                                  vocab: VocabularyIdentity(file: "vocab.txt", size: 30_522, sha256: "x"),
                                                  shards: shards), to: dir)
        return dir
    }

    func testHealthyDatasetExitsZeroWithOneLine() throws {
        let dir = try makeDataset()
        let r = try prep(["verify", dir])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("OK \(dir): 2 shards, "), r.stdout)
        XCTAssertTrue(r.stdout.contains("100 records"), r.stdout)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 1)
        XCTAssertEqual(r.stderr, "")
    }

    func testDamagedBlockExitsOneNamingShardAndBlock() throws {
        let dir = try makeDataset()
        let path = Dataset.shardPath(in: dir, index: 1)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[200] ^= 0x04                     // inside block 0 (the header is ~150 bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try prep(["verify", dir])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("shard-00001.drbs: corrupt shard: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("block 0"), r.stderr)

        let j = try prep(["verify", dir, "--all", "--json"])
        XCTAssertEqual(j.status, 1)
        let object = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["ok"] as? Bool, false)
        let problems = object["problems"] as! [[String: Any]]
        XCTAssertEqual(problems.first?["shard"] as? String, "shard-00001.drbs")
        XCTAssertEqual(problems.first?["block"] as? Int, 0)
    }

    func testNotADatasetExitsTwo() throws {
        let dir = try makeDataset()
        try FileManager.default.removeItem(atPath: dir + "/manifest.json")
        let r = try prep(["verify", dir])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("\(dir): no manifest.json"), r.stderr)
        XCTAssertNotEqual(try prep(["verify"]).status, 0, "missing argument is a usage error")
    }
}
