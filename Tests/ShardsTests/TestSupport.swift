import Foundation
import XCTest
@testable import Shards

/// A fresh directory under the system temp dir, removed at the end of the test.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> String {
    let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("shards-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

/// SplitMix64: a tiny deterministic generator so tests do not depend on the stdlib's RNG.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let mixedSchema = ShardSchema([
    ShardField("ids16", .uint16), ShardField("flags8", .uint8),
    ShardField("ids32", .uint32), ShardField("signed", .int32),
])

/// Random records for `mixedSchema`, each value within its column's range.
func randomRecords(_ count: Int, seed: UInt64, maxLength: Int = 300) -> [ShardRecord] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in
        var r = ShardRecord(columnCount: 4)
        r.columns[0] = (0..<Int.random(in: 0...maxLength, using: &rng)).map { _ in
            UInt32.random(in: 0...0xFFFF, using: &rng)
        }
        r.columns[1] = (0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt32.random(in: 0...0xFF, using: &rng) }
        r.columns[2] = (0..<Int.random(in: 0...20, using: &rng)).map { _ in
            UInt32.random(in: 0...UInt32.max, using: &rng)
        }
        r.columns[3] = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            UInt32(bitPattern: Int32.random(in: Int32.min...Int32.max, using: &rng))
        }
        return r
    }
}

@discardableResult
func writeShard(
    _ path: String, _ records: [ShardRecord], schema: ShardSchema = mixedSchema,
    metadata: [String: String] = [:], blockBytes: Int = 4096
) throws -> ShardSummary {
    let w = try ShardWriter(path: path, schema: schema, metadata: metadata, targetBlockBytes: blockBytes)
    for r in records { try w.append(r) }
    return try w.finish()
}

func readAll(_ path: String) throws -> [ShardRecord] {
    let reader = try ShardReader(path: path)
    var out: [ShardRecord] = []
    var r = ShardRecord(columnCount: reader.schema.fields.count)
    for i in 0..<reader.recordCount {
        try reader.read(i, into: &r)
        out.append(r)
    }
    return out
}

func XCTAssertThrowsShardError(
    _ expression: @autoclosure () throws -> some Any, containing fragments: [String],
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try expression()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch {
        let text = "\(error)"
        for f in fragments where !text.contains(f) {
            XCTFail("error '\(text)' does not contain '\(f)'", file: file, line: line)
        }
    }
}

/// Limits this process's file size to `bytes`, so writes past it fail with EFBIG — a stand-in
/// for a full disk (the writer's error path is the same as for ENOSPC). Returns the undo.
func limitFileSize(to bytes: rlim_t) -> () -> Void {
    var saved = rlimit()
    getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
    let previousHandler = signal(SIGXFSZ, SIG_IGN)
    var limited = saved
    limited.rlim_cur = bytes
    XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limited), 0)
    return {
        var original = saved
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &original)
        signal(SIGXFSZ, previousHandler)
    }
}

/// Writes 2,000 records into a shard under a 64 KiB file-size limit and checks that the write
/// fails naming the shard and byte offset, and that abandoning leaves the directory empty.
/// Returns the error's text for further checks.
@discardableResult
func assertFullDiskWriteFailsCleanly(
    _ test: XCTestCase, backgroundCompression: Bool,
    file: StaticString = #filePath, line: UInt = #line
) throws -> String {
    let dir = try makeTemporaryDirectory(test)
    let restoreFileSize = limitFileSize(to: 64 * 1024)
    defer { restoreFileSize() }
    let path = dir + "/full.drbs"
    let w = try ShardWriter(
        path: path, schema: mixedSchema, targetBlockBytes: 4096, compressionLevel: 1,
        backgroundCompression: backgroundCompression)
    var thrown: Error?
    do {
        for r in randomRecords(2000, seed: 5) { try w.append(r) }
        _ = try w.finish()
    } catch { thrown = error }
    let text = thrown.map { "\($0)" } ?? "no error"
    XCTAssertTrue(text.hasPrefix(path + ": write at byte "), text, file: file, line: line)
    w.abandon()
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [], file: file, line: line)
    return text
}
