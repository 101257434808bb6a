import Foundation
import XCTest

/// The built `prep` executable, run as a user runs it: arguments (and optionally stdin) in,
/// exit status, stdout and stderr out. Shared by every CLI test in this target.
enum PrepProcess {
    /// The repository root (this file is Tests/prepTests/PrepProcess.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `prep` is a sibling of the test bundle in the products directory (the bundle is
    /// .build/<triple>/debug/prepPackageTests.xctest, a file on Linux); `.build/debug` is the fallback.
    static var executable: URL {
        var dir = Bundle(for: BundleToken.self).bundleURL.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("prep").path) {
            dir = root.appendingPathComponent(".build/debug")
        }
        return dir.appendingPathComponent("prep")
    }

    private final class BundleToken {}

    /// Runs `prep arguments…` to completion; `stdin` nil leaves the child's stdin inherited.
    @discardableResult
    static func run(_ arguments: [String], stdin: [UInt8]? = nil) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        if stdin != nil { p.standardInput = input }
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin)); try input.fileHandleForWriting.close() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

extension XCTestCase {
    /// A fresh directory `<tmp>/<prefix>-<uuid>`, removed when the test ends.
    func makeTemporaryDirectory(_ prefix: String) throws -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}
