import Foundation
import XCTest
@testable import Shards

/// The resumable output both `prep tokenize` and `prep mask` write through: config hash,
/// journal, kept shards, finished datasets, manifest last.
final class ResumableShardedOutputTests: XCTestCase {
    struct Counts: Codable, Sendable, Equatable { var n: Int }

    private let meta = ["config_sha256": "h1"]

    private func manifest(_ shards: [ShardSummary], config: [String: String] = [:]) -> DatasetManifest {
        DatasetManifest(
            formatVersion: DatasetManifest.currentFormatVersion, kind: "documents", schema: mixedSchema,
            config: config, vocab: VocabularyIdentity(file: "vocab.txt", size: 1, sha256: "x"), shards: shards)
    }

    /// The canonical text is pinned: `prep tokenize`'s shards carry its hash, so a change here
    /// would change their bytes.
    func testConfigurationHashIsTheSHA256OfSortedSettingsThenIdentities() {
        let text = ConfigurationHash.canonicalText(
            settings: ["b": "2", "a": "1"], identities: [("input", "x y"), ("vocab", "v")])
        XCTAssertEqual(text, "a=1\nb=2\ninput=x y\nvocab=v")
        XCTAssertEqual(
            ConfigurationHash.sha256(settings: ["b": "2", "a": "1"], identities: [("input", "x y"), ("vocab", "v")]),
            SHA256Hasher.hex(of: Array(text.utf8)))
        XCTAssertNotEqual(
            ConfigurationHash.sha256(settings: ["a": "1"], identities: [("input", "x"), ("input", "y")]),
            ConfigurationHash.sha256(settings: ["a": "1"], identities: [("input", "y"), ("input", "x")]),
            "the order of the inputs is part of the identity")
    }

    func testJournaledShardsAreKeptOnlyWhenTheyVerifyWithTheSameConfig() throws {
        let dir = try makeTemporaryDirectory(self)
        let first = try ResumableShardedOutput<Counts>(directory: dir, configHash: "h1", ifFinished: .rebuild)
        XCTAssertNil(first.reusableShard(0, schema: mixedSchema, metadata: meta), "nothing journaled yet")
        var summaries: [ShardSummary] = []
        for k in 0..<3 {
            let s = try writeShard(
                first.shardPath(k), randomRecords(50, seed: UInt64(k)), metadata: meta, blockBytes: 1024)
            try first.recordFinishedShard(k, summary: s, state: Counts(n: k + 10))
            summaries.append(s)
        }
        // What a killed writer leaves behind.
        _ = FileManager.default.createFile(atPath: dir + "/.shard-00003.drbs.tmp-12345", contents: Data([1, 2]))
        // Shard 2 is damaged after it was journaled.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: first.shardPath(2)))
        bytes[bytes.count / 2] ^= 0x04
        try bytes.write(to: URL(fileURLWithPath: first.shardPath(2)))

        let again = try ResumableShardedOutput<Counts>(directory: dir, configHash: "h1", ifFinished: .rebuild)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: dir + "/.shard-00003.drbs.tmp-12345"), "temporaries removed on open")
        XCTAssertEqual(again.reusableShard(0, schema: mixedSchema, metadata: meta)?.summary, summaries[0])
        XCTAssertEqual(again.reusableShard(1, schema: mixedSchema, metadata: meta)?.state, Counts(n: 11))
        XCTAssertNil(
            again.reusableShard(1, schema: mixedSchema, metadata: ["config_sha256": "other"]), "other metadata")
        XCTAssertNil(again.reusableShard(2, schema: mixedSchema, metadata: meta), "damaged")

        let other = try ResumableShardedOutput<Counts>(directory: dir, configHash: "h2", ifFinished: .rebuild)
        XCTAssertNil(
            other.reusableShard(0, schema: mixedSchema, metadata: meta), "a journal of another config is ignored")
    }

    /// A line cut by a crash is dropped on the next open, and appending goes on after it.
    func testAJournalLineCutByACrashIsDropped() throws {
        let dir = try makeTemporaryDirectory(self)
        var summaries: [ShardSummary] = []
        do {
            let output = try ResumableShardedOutput<Counts>(directory: dir, configHash: "h1", ifFinished: .rebuild)
            for k in 0..<2 {
                summaries.append(
                    try writeShard(output.shardPath(k), randomRecords(20, seed: UInt64(k)), metadata: meta))
                try output.recordFinishedShard(k, summary: summaries[k], state: Counts(n: k))
            }
        }
        let journal = FileHandle(forWritingAtPath: dir + "/" + journalFileName)!
        journal.seekToEndOfFile()
        journal.write(Data(#"{"shard":2,"summary":{"fi"#.utf8))
        journal.closeFile()
        do {
            let output = try ResumableShardedOutput<Counts>(directory: dir, configHash: "h1", ifFinished: .rebuild)
            XCTAssertEqual(output.reusableShard(1, schema: mixedSchema, metadata: meta)?.summary, summaries[1])
            XCTAssertNil(output.reusableShard(2, schema: mixedSchema, metadata: meta))
            summaries.append(try writeShard(output.shardPath(2), randomRecords(20, seed: 2), metadata: meta))
            try output.recordFinishedShard(2, summary: summaries[2], state: Counts(n: 2))
        }
        let output = try ResumableShardedOutput<Counts>(directory: dir, configHash: "h1", ifFinished: .rebuild)
        XCTAssertEqual(
            (0..<3).map { output.reusableShard($0, schema: mixedSchema, metadata: meta)?.state },
            [0, 1, 2].map(Counts.init))
    }

    func testFinishWritesTheManifestLastAndCleansUp() throws {
        let dir = try makeTemporaryDirectory(self)
        let output = try ResumableShardedOutput<Counts>(
            directory: dir + "/out", configHash: "h1", ifFinished: .keep(configKey: "config_hash"))
        let s0 = try writeShard(output.shardPath(0), randomRecords(20, seed: 1), metadata: meta)
        try output.recordFinishedShard(0, summary: s0, state: Counts(n: 1))
        XCTAssert(FileManager.default.fileExists(atPath: dir + "/out/" + journalFileName))
        try writeShard(output.shardPath(5), randomRecords(3, seed: 2))  // an earlier, larger run's shard
        try output.writeFile(named: "vocab.txt", contents: Data("[PAD]\n".utf8))
        try output.finish(manifest([s0], config: ["seed": "1"]))

        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/out").sorted()
        XCTAssertEqual(names, [Dataset.manifestName, "shard-00000.drbs", "vocab.txt"])
        let written = try Dataset.readManifest(in: dir + "/out")
        XCTAssertEqual(
            written.config, ["seed": "1", "config_hash": "h1"], "the config hash is recorded under the .keep key")
        XCTAssertEqual(written.shards, [s0])
    }

    func testAFinishedDatasetIsKeptRefusedOrRebuilt() throws {
        let dir = try makeTemporaryDirectory(self)
        let s0 = try writeShard(Dataset.shardPath(in: dir, index: 0), randomRecords(10, seed: 4), metadata: meta)
        try Dataset.writeManifest(manifest([s0], config: ["config_hash": "h1"]), to: dir)

        let same = try ResumableShardedOutput<Counts>(
            directory: dir, configHash: "h1", ifFinished: .keep(configKey: "config_hash"))
        XCTAssertEqual(same.finishedManifest?.shards, [s0])
        XCTAssertThrowsShardError(
            try ResumableShardedOutput<Counts>(
                directory: dir, configHash: "h2", ifFinished: .keep(configKey: "config_hash")),
            containing: [dir, "other settings"])

        let rebuilt = try ResumableShardedOutput<Counts>(directory: dir, configHash: "h2", ifFinished: .rebuild)
        XCTAssertNil(rebuilt.finishedManifest)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: dir + "/" + Dataset.manifestName),
            "a directory being rewritten must not look complete")
    }

    /// `.rebuildSame` knows a dataset's config by its shards' metadata (the manifest does not
    /// record it): the same config rebuilds it, another is refused, an empty one is rebuilt.
    func testRebuildSameReadsTheConfigFromTheShards() throws {
        let dir = try makeTemporaryDirectory(self)
        let s0 = try writeShard(
            Dataset.shardPath(in: dir, index: 0), randomRecords(10, seed: 4), metadata: ["config_sha256": "h1"])
        try Dataset.writeManifest(manifest([s0], config: ["seed": "1"]), to: dir)
        let policy = ResumableShardedOutput<Counts>.FinishedDataset.rebuildSame(shardMetadataKey: "config_sha256")
        XCTAssertThrowsShardError(
            try ResumableShardedOutput<Counts>(directory: dir, configHash: "h2", ifFinished: policy),
            containing: [dir, "other settings"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + Dataset.manifestName), "refused: left alone")
        let same = try ResumableShardedOutput<Counts>(directory: dir, configHash: "h1", ifFinished: policy)
        XCTAssertNil(same.finishedManifest)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/" + Dataset.manifestName))

        let empty = try makeTemporaryDirectory(self)
        try Dataset.writeManifest(manifest([], config: [:]), to: empty)
        XCTAssertNoThrow(try ResumableShardedOutput<Counts>(directory: empty, configHash: "h3", ifFinished: policy))
    }
}
