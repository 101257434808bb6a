import Foundation
import Shards
import XCTest

/// A shard copied in from another dataset, with the manifest's bytes, records and XXH64 edited
/// to match it (and the manifest resealed): every reader refuses it on open, not only `verify`.
final class ForeignShardTests: XCTestCase {
    let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path

    private func ok(_ arguments: [String]) throws {
        let r = try PrepProcess.run(arguments)
        XCTAssertEqual(r.status, 0, "\(arguments.first ?? ""): \(r.err)")
    }

    /// Puts shard 0 of `donor` into `dataset` and edits its manifest entry to match.
    private func transplant(from donor: String, into dataset: String) throws {
        let theirs = try Dataset.readManifest(in: donor).shards[0]
        var m = try Dataset.readManifest(in: dataset)
        let path = Dataset.shardPath(in: dataset, index: 0)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: Dataset.shardPath(in: donor, index: 0), toPath: path)
        XCTAssertNotEqual(m.shards[0].checksumDigest, theirs.checksumDigest)
        m.shards[0].bytes = theirs.bytes
        m.shards[0].records = theirs.records
        m.shards[0].xxh64 = theirs.xxh64
        try Dataset.writeManifest(m, to: dataset)
    }

    func testEveryReaderRefusesAForeignShard() throws {
        let dir = try makeTemporaryDirectory("foreign-shard")
        for (name, corpus) in [("a", "Corpora/en/kjv-sample.txt"), ("b", "Corpora/fr/" + (try frenchFile()))] {
            try ok([
                "tokenize", "--vocab", vocab, "--input", PrepProcess.root.appendingPathComponent(corpus).path,
                "--output", "\(dir)/\(name)-docs",
            ])
            try ok(["mask", "--input", "\(dir)/\(name)-docs", "--output", "\(dir)/\(name)-inst", "--seed", "1"])
        }
        try transplant(from: dir + "/b-inst", into: dir + "/a-inst")
        try transplant(from: dir + "/b-docs", into: dir + "/a-docs")
        let commands: [[String]] = [
            ["inspect", dir + "/a-inst", "--limit", "1000000"],
            ["stream", dir + "/a-inst", "--batch-size", "2"],
            [
                "train", "--data", dir + "/a-inst", "--model", "tiny", "--steps", "1", "--batch-size", "2",
                "--threads", "1", "--out", dir + "/run",
            ],
            ["mask", "--input", dir + "/a-docs", "--output", dir + "/m", "--seed", "1"],
            ["stream", dir + "/a-docs", "--batch-size", "2", "--mask", "token"],
            ["verify", dir + "/a-inst"],
        ]
        for command in commands {
            let r = try PrepProcess.run(command)
            XCTAssertNotEqual(r.status, 0, "\(command): \(r.err)")
            XCTAssertTrue(
                r.err.contains("shard-00000.drbs")
                    && (r.err.contains("is not the shard the manifest lists") || r.err.contains("checksum digest")),
                "\(command): \(r.err)")
        }
    }

    private func frenchFile() throws -> String {
        let names = try FileManager.default.contentsOfDirectory(
            atPath: PrepProcess.root.appendingPathComponent("Corpora/fr").path)
        return try XCTUnwrap(names.filter { $0.hasSuffix(".txt") }.sorted().first)
    }
}
