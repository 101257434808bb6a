import Foundation
import Shards
import XCTest

/// `prep verify` as a user runs it: the built executable, its stdout/stderr and exit status.
final class VerifyCommandTests: XCTestCase {
    private func prep(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try PrepProcess.run(arguments)
    }

    private func makeDataset() throws -> String {
        let dir = try makeTemporaryDirectory("prep-verify")
        let schema = InstanceSchema.make(vocabularySize: 30_522)
        var shards: [ShardSummary] = []
        for k in 0..<2 {
            let w = try ShardWriter(path: Dataset.shardPath(in: dir, index: k), schema: schema, targetBlockBytes: 256)
            for i in 0..<50 {
                var r = ShardRecord(columnCount: 5)
                r.columns = [(0..<20).map { UInt32(($0 * 7 + i) % 30_522) }, [3, 5], [7, 9], [0], [12]]
                try w.append(r)
            }
            shards.append(try w.finish())
        }
        // The vocabulary copy whose digest the manifest records (verify checks it).
        let vocab = Data("[UNK]\n".utf8)
        try vocab.write(to: URL(fileURLWithPath: dir + "/vocab.txt"))
        try Dataset.writeManifest(
            DatasetManifest(
                formatVersion: DatasetManifest.currentFormatVersion, kind: "instances", schema: schema, config: [:],
                vocab: VocabularyIdentity(
                    file: "vocab.txt", size: 30_522, sha256: SHA256Hasher.hex(of: [UInt8](vocab))),
                shards: shards), to: dir)
        return dir
    }

    func testHealthyDatasetExitsZeroWithOneLine() throws {
        let dir = try makeDataset()
        let r = try prep(["verify", dir])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("OK \(dir): 2 shards, "), r.out)
        XCTAssertTrue(r.out.contains("100 records"), r.out)
        XCTAssertEqual(r.out.split(separator: "\n").count, 1)
        XCTAssertEqual(r.err, "")
    }

    func testDamagedBlockExitsOneNamingShardAndBlock() throws {
        let dir = try makeDataset()
        let path = Dataset.shardPath(in: dir, index: 1)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[200] ^= 0x04  // inside block 0 (the header is ~150 bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try prep(["verify", dir])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        XCTAssertTrue(r.err.contains("shard-00001.drbs: corrupt shard: "), r.err)
        XCTAssertTrue(r.err.contains("block 0"), r.err)

        let j = try prep(["verify", dir, "--all", "--json"])
        XCTAssertEqual(j.status, 1)
        let object = try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as! [String: Any]
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
        XCTAssertTrue(r.err.contains("\(dir): no manifest.json"), r.err)
        XCTAssertNotEqual(try prep(["verify"]).status, 0, "missing argument is a usage error")
    }
}
