import Foundation
import XCTest
@testable import Shards

final class DatasetManifestTests: XCTestCase {
    func makeManifest(_ shards: [ShardSummary]) -> DatasetManifest {
        DatasetManifest(
            formatVersion: DatasetManifest.currentFormatVersion, kind: "instances",
            schema: mixedSchema, config: ["seed": "12345", "max_seq_length": "128"],
            vocab: VocabularyIdentity(file: "vocab.txt", size: 30_522, sha256: String(repeating: "0", count: 64)),
            shards: shards)
    }

    func testManifestRoundTripAndJSONShape() throws {
        let dir = try makeTemporaryDirectory(self)
        let s0 = try writeShard(Dataset.shardPath(in: dir, index: 0), randomRecords(10, seed: 1))
        let s1 = try writeShard(Dataset.shardPath(in: dir, index: 1), randomRecords(7, seed: 2))
        let m = makeManifest([s0, s1])
        try Dataset.writeManifest(m, to: dir)
        XCTAssertEqual(try Dataset.readManifest(in: dir), m)
        XCTAssertEqual(m.totalRecords, 17)
        let json = try String(contentsOfFile: dir + "/manifest.json", encoding: .utf8)
        XCTAssertTrue(json.contains("\"format_version\" : 2"), json)
        XCTAssertTrue(json.contains("\"total_records\" : 17"), json)
        XCTAssertTrue(json.contains("\"type\" : \"uint16\""), json)
        XCTAssertTrue(json.contains("\"file\" : \"shard-00001.drbs\""), json)
        XCTAssertEqual(
            Set(try FileManager.default.contentsOfDirectory(atPath: dir)),
            ["manifest.json", "shard-00000.drbs", "shard-00001.drbs"], "no temporary files left")
    }

    func testShardFileNames() {
        XCTAssertEqual(Dataset.shardFileName(index: 0), "shard-00000.drbs")
        XCTAssertEqual(Dataset.shardFileName(index: 42), "shard-00042.drbs")
        XCTAssertEqual(Dataset.shardFileName(index: 123_456), "shard-123456.drbs")
    }

    func testMissingManifestNamesTheDirectory() throws {
        let dir = try makeTemporaryDirectory(self)
        XCTAssertThrowsShardError(try Dataset.readManifest(in: dir), containing: [dir, "no manifest.json"])
        XCTAssertThrowsShardError(
            try Dataset.readManifest(in: dir + "/nope"), containing: [dir + "/nope", "no such dataset directory"])
    }

    func testInvalidManifestNamesTheKey() throws {
        let dir = try makeTemporaryDirectory(self)
        try Data("{\"format_version\": 1, \"kind\": \"x\"}".utf8).write(
            to: URL(fileURLWithPath: dir + "/manifest.json"))
        XCTAssertThrowsShardError(
            try Dataset.readManifest(in: dir), containing: ["manifest.json", "invalid manifest", "missing key"])
        try Data("not json".utf8).write(to: URL(fileURLWithPath: dir + "/manifest.json"))
        XCTAssertThrowsShardError(try Dataset.readManifest(in: dir), containing: ["manifest.json", "invalid manifest"])
    }

    func testUnsupportedVersionAndUnsafeNamesAreRejected() throws {
        let dir = try makeTemporaryDirectory(self)
        var m = makeManifest([ShardSummary(file: "../evil", records: 1, bytes: 1, xxh64: "0")])
        try Dataset.writeManifest(m, to: dir)
        XCTAssertThrowsShardError(
            try Dataset.readManifest(in: dir), containing: ["invalid or duplicate file name", "../evil"])
        m.shards = []
        m.formatVersion = 99
        try Dataset.writeManifest(m, to: dir)
        XCTAssertThrowsShardError(try Dataset.readManifest(in: dir), containing: ["format version 99"])
    }

    func testReusableShard() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = Dataset.shardPath(in: dir, index: 0)
        let meta = ["config_sha256": "abc"]
        XCTAssertNil(Dataset.reusableShard(at: path, schema: mixedSchema, metadata: meta), "no file yet")
        let written = try writeShard(path, randomRecords(200, seed: 3), metadata: meta, blockBytes: 2048)
        XCTAssertEqual(Dataset.reusableShard(at: path, schema: mixedSchema, metadata: meta), written)
        XCTAssertNil(
            Dataset.reusableShard(at: path, schema: mixedSchema, metadata: ["config_sha256": "abd"]), "other config")
        XCTAssertNil(
            Dataset.reusableShard(at: path, schema: InstanceSchema.make(vocabularySize: 100), metadata: meta),
            "other schema")
        // Damage one byte in the middle of a block: not reusable.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertNil(Dataset.reusableShard(at: path, schema: mixedSchema, metadata: meta), "damaged")
    }
}

final class DatasetReaderTests: XCTestCase {
    func testGlobalIndexAcrossShardsIncludingAnEmptyOne() throws {
        let dir = try makeTemporaryDirectory(self)
        let parts = [randomRecords(30, seed: 1), [], randomRecords(1, seed: 2), randomRecords(45, seed: 3)]
        var shards: [ShardSummary] = []
        for (k, p) in parts.enumerated() {
            shards.append(try writeShard(Dataset.shardPath(in: dir, index: k), p, blockBytes: 512))
        }
        try Dataset.writeManifest(
            DatasetManifest(
                formatVersion: DatasetManifest.currentFormatVersion, kind: "documents", schema: mixedSchema,
                config: [:],
                vocab: VocabularyIdentity(file: "v", size: 1, sha256: "-"), shards: shards), to: dir)
        let all = parts.flatMap { $0 }
        let reader = try DatasetReader(directory: dir)
        XCTAssertEqual(reader.recordCount, 76)
        XCTAssertTrue(reader.location(of: 30) == (2, 0))
        XCTAssertTrue(reader.location(of: 31) == (3, 0))
        var r = ShardRecord(columnCount: 4)
        for i in (0..<all.count).reversed() {
            try reader.read(i, into: &r)
            XCTAssertEqual(r, all[i], "record \(i)")
        }
        XCTAssertThrowsShardError(try reader.read(76, into: &r), containing: [dir, "out of range"])
    }

    func testManifestCountMismatchIsReportedOnOpen() throws {
        let dir = try makeTemporaryDirectory(self)
        var s = try writeShard(Dataset.shardPath(in: dir, index: 0), randomRecords(5, seed: 1))
        s.records = 6
        try Dataset.writeManifest(
            DatasetManifest(
                formatVersion: DatasetManifest.currentFormatVersion, kind: "documents", schema: mixedSchema,
                config: [:],
                vocab: VocabularyIdentity(file: "v", size: 1, sha256: "-"), shards: [s]), to: dir)
        var r = ShardRecord(columnCount: 4)
        XCTAssertThrowsShardError(
            try DatasetReader(directory: dir).read(0, into: &r),
            containing: ["shard-00000.drbs", "shard holds 5 records, manifest says 6"])
    }
}
