import Foundation
import XCTest

@testable import Training

/// Atomic writes into directories named by short relative paths (`--output E`), which
/// Foundation's path helpers mishandle on Linux.
final class AtomicFileTests: XCTestCase {
    func testWritesAndSyncsUnderOneCharacterRelativePaths() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/E", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(root))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        for path in ["E", "E/", "/", "E/f"] { AtomicFile.syncDirectory(of: path) }
        try AtomicFile.write(Data("x".utf8), to: "E/f")
        try AtomicFile.write(Data("y".utf8), to: "g")
        XCTAssertEqual(try String(contentsOfFile: root + "/E/f", encoding: .utf8), "x")
        XCTAssertEqual(try String(contentsOfFile: root + "/g", encoding: .utf8), "y")
    }
}
