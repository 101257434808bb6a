import Foundation
import XCTest
@testable import Loading

/// A loader state that no loader writes is refused on reading, with one line naming the file;
/// a position past the epoch is never taken for "epoch complete".
final class LoaderStateSanityTests: XCTestCase {
    private func write(_ json: String) throws -> String {
        let path = NSTemporaryDirectory() + "loader-state-\(UUID().uuidString).json"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func state(consumed: Int, perEpoch: Int = 16195, epoch: Int = 0, worldSize: Int = 1) -> String {
        #"{"seed": 1, "epoch": \#(epoch), "worldSize": \#(worldSize), "globalSamplesConsumed": \#(consumed), "samplesPerEpoch": \#(perEpoch)}"#
    }

    func testAPositionPastTheEpochIsRefused() throws {
        let path = try write(state(consumed: 999_999_999))
        XCTAssertThrowsError(try StateFile.read(path)) { e in
            guard case LoaderError.stateMismatch(let why) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(why.hasPrefix(path + ": 999999999 samples consumed of an epoch of 16195"), why)
            XCTAssertEqual((e as? LoaderError)?.exitCode, 2)
        }
    }

    func testNegativeAndZeroCountsAreRefused() throws {
        for json in [state(consumed: -1), state(consumed: 0, epoch: -2), state(consumed: 0, worldSize: 0)] {
            XCTAssertThrowsError(try StateFile.read(try write(json)), json)
        }
    }

    func testValidStatesStillRoundTrip() throws {
        let complete = try StateFile.read(try write(state(consumed: 16195)))
        XCTAssertTrue(complete.isEpochComplete)
        let s = LoaderState(seed: 3, epoch: 1, worldSize: 2, globalSamplesConsumed: 10, samplesPerEpoch: 20)
        let path = try write("")
        try StateFile.write(s, to: path)
        XCTAssertEqual(try StateFile.read(path), s)
        // Trainer checkpoints embed the state; decoding there checks it too.
        XCTAssertThrowsError(
            try JSONDecoder().decode(LoaderState.self, from: Data(state(consumed: 21, perEpoch: 20).utf8)))
    }
}
