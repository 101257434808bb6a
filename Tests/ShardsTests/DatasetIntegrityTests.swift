import Foundation
import XCTest
@testable import Shards

/// The manifest's own digest, shard identity and the derived fields `verify` recomputes
/// (issue 18: each of these edits passed before).
final class DatasetIntegrityTests: XCTestCase {
    private func makeDataset(in dir: String) throws -> DatasetManifest {
        try makeDocumentDataset(in: dir)
    }

    /// Edits manifest.json as text and seals it again with a valid digest, as a careful forger would.
    private func forge(_ dir: String, _ edit: (String) -> String) throws {
        let url = URL(fileURLWithPath: dir + "/manifest.json")
        var bytes = Array(edit(try String(contentsOf: url, encoding: .utf8)).utf8)
        let at = try XCTUnwrap(try ManifestDigest.valueOffset(in: bytes, path: url.path))
        bytes.replaceSubrange(at..<(at + 64), with: Array(ManifestDigest.compute(bytes, valueAt: at).utf8))
        try Data(bytes).write(to: url)
    }

    func testEveryChangedByteOfTheManifestAndTheVocabularyCopyIsCaught() throws {
        let dir = try makeTemporaryDirectory(self)
        _ = try makeDataset(in: dir)
        XCTAssertTrue(Dataset.verify(directory: dir).ok)
        for name in ["manifest.json", "vocab.txt"] {
            let url = URL(fileURLWithPath: dir + "/" + name)
            let original = [UInt8](try Data(contentsOf: url))
            XCTAssertGreaterThan(original.count, 500)
            var missed: [Int] = []
            for position in original.indices {
                // One flipped bit, and the byte replaced by a space (whitespace edits too).
                for replacement in [original[position] ^ UInt8(1 << (position % 8)), 0x20]
                where replacement != original[position] {
                    var changed = original
                    changed[position] = replacement
                    try Data(changed).write(to: url)
                    if Dataset.verify(directory: dir).ok { missed.append(position) }
                }
            }
            try Data(original).write(to: url)
            XCTAssertEqual(missed, [], "\(name): changes at these byte positions went unnoticed")
        }
        XCTAssertTrue(Dataset.verify(directory: dir).ok)
    }

    func testAnEditedManifestIsRefusedByEveryReader() throws {
        let dir = try makeTemporaryDirectory(self)
        _ = try makeDataset(in: dir)
        let url = URL(fileURLWithPath: dir + "/manifest.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "\"seed\" : \"1\"", with: "\"seed\" : \"2\"").utf8).write(to: url)
        XCTAssertThrowsShardError(
            try Dataset.readManifest(in: dir), containing: ["manifest.json", "manifest_sha256 is", "edited or damaged"])
        XCTAssertThrowsError(try DatasetReader(directory: dir))
        XCTAssertFalse(Dataset.verify(directory: dir).ok)
    }

    func testVerifyRecomputesTotalsKindAndTheVocabularyDigest() throws {
        let dir = try makeTemporaryDirectory(self)
        let m = try makeDataset(in: dir)
        let cases: [(String, String, String)] = [
            (
                "\"total_records\" : \(m.totalRecords)", "\"total_records\" : \(m.totalRecords + 5)",
                "total_records is \(m.totalRecords + 5), the shards listed hold \(m.totalRecords)"
            ),
            ("\"kind\" : \"documents\"", "\"kind\" : \"bogus\"", "unknown dataset kind \"bogus\""),
            ("\"kind\" : \"documents\"", "\"kind\" : \"instances\"", "an instances dataset has input_ids"),
            (
                m.vocab.sha256, String(repeating: "a", count: 64),
                "vocab.txt in the dataset has SHA-256 \(m.vocab.sha256)"
            ),
            (
                "\"file\" : \"vocab.txt\"", "\"file\" : \"other.txt\"",
                "the vocabulary copy other.txt named by the manifest is missing"
            ),
        ]
        let original = try Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))
        for (from, to, message) in cases {
            try forge(dir) {
                XCTAssertTrue($0.contains(from), from)
                return $0.replacingOccurrences(of: from, with: to)
            }
            XCTAssertNoThrow(try Dataset.readManifest(in: dir), "the forged manifest's digest is valid")
            let v = Dataset.verify(directory: dir)
            XCTAssertEqual(v.problems.count, 1, to)
            XCTAssertTrue(v.problems.first?.message.contains(message) ?? false, "\(v.problems)")
            XCTAssertNil(v.problems.first?.shard)
            try original.write(to: URL(fileURLWithPath: dir + "/manifest.json"))
        }
        XCTAssertTrue(Dataset.verify(directory: dir).ok)
    }

    /// A shard of another dataset with the same record count, the manifest's bytes, records and
    /// XXH64 edited to match (and resealed): refused on open, not only by verify.
    func testAForeignShardIsRefusedOnOpen() throws {
        let dir = try makeTemporaryDirectory(self), other = try makeTemporaryDirectory(self)
        var m = try makeDataset(in: dir)
        let foreign = try writeShard(
            Dataset.shardPath(in: other, index: 0), randomRecords(m.shards[0].records, seed: 99, maxLength: 5))
        XCTAssertEqual(foreign.records, m.shards[0].records)
        try FileManager.default.removeItem(atPath: Dataset.shardPath(in: dir, index: 0))
        try FileManager.default.copyItem(
            atPath: Dataset.shardPath(in: other, index: 0), toPath: Dataset.shardPath(in: dir, index: 0))
        let digest = try XCTUnwrap(m.shards[0].checksumDigest)
        m.shards[0].bytes = foreign.bytes
        m.shards[0].xxh64 = foreign.xxh64
        try Dataset.writeManifest(m, to: dir)
        XCTAssertNotEqual(foreign.checksumDigest, digest)
        let reader = try DatasetReader(directory: dir)
        XCTAssertThrowsShardError(
            try reader.shard(0), containing: ["shard-00000.drbs", "is not the shard the manifest lists", digest])
        XCTAssertThrowsShardError(
            try ShardReader(path: Dataset.shardPath(in: dir, index: 0), summary: m.shards[0]),
            containing: ["is not the shard the manifest lists"])
        let v = Dataset.verify(directory: dir)
        XCTAssertFalse(v.ok)
        // Two shards of this dataset swapped (names exchanged) are refused the same way.
        let d2 = try makeTemporaryDirectory(self)
        let m2 = try makeDataset(in: d2)
        var swapped = m2
        swapped.shards[1].file = m2.shards[2].file
        swapped.shards[2].file = m2.shards[1].file
        swapped.shards[1].checksumDigest = m2.shards[1].checksumDigest
        XCTAssertThrowsError(try ShardReader(path: Dataset.shardPath(in: d2, index: 2), summary: swapped.shards[1]))
    }

    func testVersion1DatasetsAreRefusedNamingTheVersion() throws {
        let dir = try makeTemporaryDirectory(self)
        _ = try makeDataset(in: dir)
        let url = URL(fileURLWithPath: dir + "/manifest.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "\"format_version\" : 2", with: "\"format_version\" : 1").utf8).write(
            to: url)
        XCTAssertThrowsShardError(
            try Dataset.readManifest(in: dir),
            containing: ["format version 1 is not supported (this build reads version 2)", "re-run the command"])
    }
}
