import Foundation
import XCTest

@testable import prep

/// A single-value option given twice is refused (exit 2, one line), never silently the last
/// one; options that collect values still accumulate.
final class RepeatedOptionsTests: XCTestCase {
    func testTheCheckFindsSingleValueOptionsOfEveryCommand() {
        func refusal(_ arguments: [String]) -> String? { RepeatedOptions.refusal(arguments, root: Prep.self) }
        XCTAssertEqual(
            refusal(["mask", "--input", "A", "--input", "B", "--output", "M"]),
            "--input given twice (A, B); give it once")
        XCTAssertEqual(refusal(["eval", "run", "--data", "A", "--data=B"]), "--data given twice (A, B); give it once")
        XCTAssertEqual(
            refusal(["train", "--eval-data", "A", "--steps", "1", "--eval-data", "B"]),
            "--eval-data given twice (A, B); give it once")
        XCTAssertEqual(
            refusal(["stream", "D", "--batch-size=2", "--batch-size", "3"])?.hasPrefix("--batch-size"), true)
        XCTAssertEqual(refusal(["mask", "--zstd-level=-4", "--zstd-level=3"])?.hasPrefix("--zstd-level"), true)
        // Collecting options, a repeated flag, values after `--` and distinct options pass.
        XCTAssertNil(refusal(["train", "--data", "A", "--data", "B", "--steps", "1", "--out", "R"]))
        XCTAssertNil(refusal(["tokenize", "--input", "A", "--input", "B", "--vocab", "V", "--output", "D"]))
        XCTAssertNil(refusal(["mask", "--whole-word", "--whole-word", "--input", "A"]))
        XCTAssertNil(refusal(["mask", "--input", "A", "--output", "B"]))
        XCTAssertNil(refusal(["encode", "--vocab", "V", "--", "--vocab", "W"]))
    }

    func testTheBinaryRefusesWithOneLineAndStatus2() throws {
        for (arguments, option) in [
            (["mask", "--input", "A", "--input", "B", "--output", "M"], "--input"),
            (["eval", "run", "--data", "A", "--data", "B"], "--data"),
            (
                ["train", "--data", "D", "--steps", "1", "--out", "R", "--eval-data", "A", "--eval-data", "B"],
                "--eval-data"
            ),
            (["tokenize", "--vocab", "V", "--input", "A", "--output", "D", "--output", "E"], "--output"),
            (["inspect", "D", "--limit", "1", "--limit", "2"], "--limit"),
        ] {
            let r = try PrepProcess.run(arguments)
            XCTAssertEqual(r.status, 2, "\(arguments): \(r.err)")
            XCTAssertTrue(r.err.hasPrefix("error: \(option) given twice ("), r.err)
            XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        }
    }

    func testVersionPrintsTheToolAndShardFormat() throws {
        let line = try PrepProcess.run(["--version"])
        XCTAssertEqual(line.status, 0)
        XCTAssertEqual(line.out, "prep \(PrepVersion.version) (shard format 2)\n")
        let json = try PrepProcess.run(["--version", "--json"])
        XCTAssertEqual(json.status, 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        XCTAssertEqual(object?["version"] as? String, PrepVersion.version)
        XCTAssertEqual(object?["shard_format_version"] as? Int, 2)
        XCTAssertEqual(json.out.filter { $0 == "\n" }.count, 1)
    }
}
