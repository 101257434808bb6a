import XCTest
@testable import prep
import Shards

/// What the one progress display renders (its terminal line is not captured by the CLI tests,
/// whose stderr is a pipe: there the display prints nothing).
final class ProgressDisplayTests: XCTestCase {
    func testLineShowsCountPercentRateAndETA() {
        XCTAssertEqual(
            ProgressDisplay.line(
                label: "mask", ProgressEvent(completed: 1200, total: 5000, unit: .documents), rate: 310, eta: 12.3),
            "mask: 1200/5000 documents (24%)  310 documents/s  ETA 12s")
        XCTAssertEqual(
            ProgressDisplay.line(
                label: "verify", ProgressEvent(completed: 25_000_000, total: 100_000_000, unit: .bytes),
                rate: 5e8, eta: 0.15),
            "verify: 25.0/100.0 MB (25%)  500.0 MB/s  ETA 0s")
        XCTAssertEqual(
            ProgressDisplay.line(
                label: "train", ProgressEvent(completed: 3, total: 100, unit: .steps), rate: 1.25, eta: 77.6),
            "train: 3/100 steps (3%)  1.2 steps/s  ETA 1m18s")
    }

    func testDurations() {
        XCTAssertEqual(ProgressDisplay.duration(-1), "0s")
        XCTAssertEqual(ProgressDisplay.duration(59.4), "59s")
        XCTAssertEqual(ProgressDisplay.duration(185), "3m05s")
        XCTAssertEqual(ProgressDisplay.duration(7625), "2h07m")
    }

    /// A terminal gets the line, a pipe nothing, unless PREP_PROGRESS asks.
    func testModeFollowsTheTerminalAndPREP_PROGRESS() {
        XCTAssertEqual(ProgressDisplay.mode(environment: nil, terminal: true), .terminal)
        XCTAssertEqual(ProgressDisplay.mode(environment: nil, terminal: false), .silent)
        XCTAssertEqual(ProgressDisplay.mode(environment: "json", terminal: false), .json)
        XCTAssertEqual(ProgressDisplay.mode(environment: "none", terminal: true), .silent)
    }
}
