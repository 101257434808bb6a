import Foundation
import Shards
import XCTest

@testable import prep

/// `prep train` sizes its batches from the instance datasets' manifests when not told, and
/// refuses settings too small for the data all at once, before writing anything.
final class TrainDataShapeTests: XCTestCase {
    private func dataset(_ dir: String, kind: String = "instances", length: Int, predictions: Int) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let manifest = DatasetManifest(
            formatVersion: DatasetManifest.currentFormatVersion, kind: kind,
            schema: InstanceSchema.make(vocabularySize: 100, maxSequenceLength: length),
            config: ["instances.max_seq_length": "\(length)", "masking.max_predictions": "\(predictions)"],
            vocab: VocabularyIdentity(file: "vocab.txt", size: 100, sha256: ""), shards: [])
        try Dataset.writeManifest(manifest, to: dir)
        return dir
    }

    func testSettingsNotGivenComeFromTheManifests() throws {
        let root = try makeTemporaryDirectory("train-shape")
        let a = try dataset(root + "/a", length: 512, predictions: 77)
        let b = try dataset(root + "/b", length: 128, predictions: 90)
        let docs = try dataset(root + "/docs", kind: "documents", length: 4096, predictions: 999)
        let shape = TrainDataShape(directories: [a, b, docs, root + "/missing"], dynamicMasking: false)
        XCTAssertEqual(try shape.resolve(maxLength: nil, maxPredictions: nil).length, 512)
        XCTAssertEqual(try shape.resolve(maxLength: nil, maxPredictions: nil).predictions, 90)
        XCTAssertEqual(try shape.resolve(maxLength: 600, maxPredictions: 100).length, 600)
        // Dynamic masking draws its own masks: only the length is the data's.
        let dynamic = TrainDataShape(directories: [a], dynamicMasking: true)
        XCTAssertEqual(try dynamic.resolve(maxLength: nil, maxPredictions: nil).predictions, 20)
        // No instance dataset: the old defaults.
        let none = TrainDataShape(directories: [docs], dynamicMasking: true)
        XCTAssertEqual(try none.resolve(maxLength: nil, maxPredictions: nil).length, 128)
    }

    func testTooSmallSettingsAreRefusedTogether() throws {
        let root = try makeTemporaryDirectory("train-shape")
        let a = try dataset(root + "/a", length: 512, predictions: 77)
        XCTAssertThrowsError(
            try TrainDataShape(directories: [a], dynamicMasking: false).resolve(maxLength: 128, maxPredictions: 20)
        ) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("--max-length 128") && message.contains("--max-predictions 20"), message)
            XCTAssertTrue(message.contains(a), message)
        }
    }

    func testTheBinaryRefusesBeforeWritingTheRun() throws {
        let root = try makeTemporaryDirectory("train-shape")
        let a = try dataset(root + "/a", length: 512, predictions: 77)
        let r = try PrepProcess.run([
            "train", "--data", a, "--steps", "1", "--max-length", "128", "--max-predictions", "20", "--out",
            root + "/run",
        ])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.hasPrefix("error: --max-length 128"), r.err)
        XCTAssertTrue(r.err.contains("--max-predictions 20"), r.err)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/run"))
        // Argument errors, too, come all at once.
        let bad = try PrepProcess.run(["train", "--steps", "0", "--decay", "sideways", "--out", root + "/run"])
        XCTAssertEqual(bad.status, 2)
        for part in ["--steps", "--decay", "--data"] { XCTAssertTrue(bad.err.contains(part), bad.err) }
    }
}
