import XCTest

@testable import prep

/// `--threads` defaults to all cores in every command that has it.
final class DefaultThreadsTests: XCTestCase {
    func testEveryCommandDefaultsToAllCores() throws {
        let cores = DefaultThreads.allCores
        XCTAssertGreaterThanOrEqual(cores, 1)
        XCTAssertEqual(try Train.parse(["--data", "D", "--steps", "1", "--out", "R"]).threads, cores)
        XCTAssertEqual(try Eval.parse(["--checkpoint", "C", "--data", "D"]).threads, cores)
        XCTAssertEqual(try Compare.parse(["A"]).threads, cores)
        XCTAssertEqual(try StreamCommand.parse(["D", "--batch-size", "2"]).threads, cores)
        XCTAssertEqual(
            try VocabCommand.parse(["--input", "I", "--output", "O", "--vocab-size", "100"]).threads, cores)
        // tokenize and mask leave it to the job; nil means all cores there.
        XCTAssertNil(try TokenizeCommand.parse(["--vocab", "V", "--input", "I", "--output", "O"]).threads)
        XCTAssertNil(try MaskCommand.parse(["--input", "I", "--output", "O"]).threads)
    }
}
