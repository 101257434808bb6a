import Foundation
import XCTest
@testable import Corpus
import Tokenization

/// `.gz` inputs read like the files they compress; binary files not named as such, and text
/// that is mostly invalid UTF-8, are refused instead of becoming garbage documents.
final class CompressedAndBinaryInputTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws { dir = try Fixtures.makeTemporaryDirectory(prefix: "corpus-inputs") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private var vocab: String { Fixtures.vocabPath("bert-base-uncased") }
    private func corpus(_ name: String) -> String {
        Fixtures.packageRoot.appendingPathComponent("Corpora/" + name).path
    }

    private func tokenize(_ inputs: [String], _ out: String) throws -> [([UInt32], [UInt32])] {
        let job = TokenizeJob(vocabularyPath: vocab, inputs: inputs, outputDirectory: dir + "/" + out)
        _ = try job.run()
        return try Fixtures.documentRecords(in: dir + "/" + out)
    }

    /// gzip of `source` in two members (split mid-file), as `cat a.gz b.gz` makes.
    private func twoMemberGzip(of source: String, named name: String) throws -> String {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let half = bytes.count / 2
        let a = try Fixtures.write(Array(bytes[..<half]), named: "a.part", in: dir)
        let b = try Fixtures.write(Array(bytes[half...]), named: "b.part", in: dir)
        try Fixtures.runTool(["gzip", "-f", a, b])
        let joined =
            try Data(contentsOf: URL(fileURLWithPath: a + ".gz")) + Data(contentsOf: URL(fileURLWithPath: b + ".gz"))
        let path = (dir as NSString).appendingPathComponent(name)
        try joined.write(to: URL(fileURLWithPath: path))
        return path
    }

    func testGzipGivesTheSameDocumentsAsTheUncompressedFile() throws {
        for source in ["jsonl/wiki-style.jsonl", "en/kjv-sample.txt"] {
            let plain = corpus(source)
            let gz = try twoMemberGzip(of: plain, named: (plain as NSString).lastPathComponent + ".gz")
            let expected = try tokenize([plain], "plain")
            XCTAssertGreaterThan(expected.count, 1)
            let got = try tokenize([gz], "gz")
            XCTAssertEqual(got.map(\.0), expected.map(\.0), source)
            XCTAssertEqual(got.map(\.1), expected.map(\.1), source)
            try FileManager.default.removeItem(atPath: dir + "/plain")
            try FileManager.default.removeItem(atPath: dir + "/gz")
        }
    }

    /// `source` compressed by `tool` (xz, bzip2) in two streams back to back, as
    /// `cat a.xz b.xz` or pbzip2 make.
    private func twoStreamFile(of source: String, tool: String, suffix: String, named name: String) throws -> String {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let half = bytes.count / 2
        let a = try Fixtures.write(Array(bytes[..<half]), named: "a-\(tool).part", in: dir)
        let b = try Fixtures.write(Array(bytes[half...]), named: "b-\(tool).part", in: dir)
        try Fixtures.runTool([tool, "-f", a, b])
        let joined =
            try Data(contentsOf: URL(fileURLWithPath: a + suffix)) + Data(contentsOf: URL(fileURLWithPath: b + suffix))
        let path = (dir as NSString).appendingPathComponent(name)
        try joined.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// xz and bzip2 read like gzip: the same documents as the plain file, several streams as
    /// one, a cut file refused naming it, and such data under another name refused by magic.
    func testXzAndBzip2GiveTheSameDocumentsAndRefuseTruncation() throws {
        let plain = corpus("jsonl/wiki-style.jsonl")
        let expected = try tokenize([plain], "plain")
        XCTAssertGreaterThan(expected.count, 1)
        for (tool, suffix, format) in [("xz", ".xz", "xz"), ("bzip2", ".bz2", "bzip2")] {
            let packed = try twoStreamFile(of: plain, tool: tool, suffix: suffix, named: "w.jsonl" + suffix)
            let got = try tokenize([packed], "got-" + tool)
            XCTAssertEqual(got.map(\.0), expected.map(\.0), tool)
            XCTAssertEqual(got.map(\.1), expected.map(\.1), tool)

            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: packed)))
            let cut = try Fixtures.write(Array(bytes[..<(bytes.count - 30)]), named: "cut.jsonl" + suffix, in: dir)
            XCTAssertThrowsError(try tokenize([cut], "cut-" + tool)) { e in
                let error = e as! TokenizationError
                XCTAssertTrue(
                    error.description.hasPrefix("\(cut): truncated \(format) stream")
                        || error.description.hasPrefix("\(cut): \(format): "), error.description)
                XCTAssertEqual(error.exitCode, 2)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/cut-\(tool)/manifest.json"))

            let unnamed = try Fixtures.write(bytes, named: "unnamed-\(tool).jsonl", in: dir)
            XCTAssertThrowsError(try tokenize([unnamed], "unnamed-" + tool)) { e in
                XCTAssertEqual(
                    (e as! TokenizationError).description,
                    "\(unnamed): is \(format)-compressed but not named \(suffix); rename it to end in \(suffix)")
            }
            let misnamed = try Fixtures.write(Array("plain text\n".utf8), named: "text" + suffix, in: dir)
            XCTAssertThrowsError(try tokenize([misnamed], "misnamed-" + tool)) { e in
                XCTAssertEqual(
                    (e as! TokenizationError).description, "\(misnamed): is named \(suffix) but is not \(format) data (from byte 0)")
            }
        }
    }

    /// Output that does not fit the reader's buffer is still handed out in full (the codec
    /// is asked again with no new input), for every codec.
    func testSmallOutputReadsDrainEveryCodec() throws {
        let text = Array(String(repeating: "a line of text\n", count: 5000).utf8)
        for (tool, suffix, makeCodec) in [
            ("gzip", ".gz", { try GzipCodec() as StreamCodec }), ("xz", ".xz", { try XzCodec() }),
            ("bzip2", ".bz2", { try Bzip2Codec() }),
        ] as [(String, String, () throws -> StreamCodec)] {
            let path = try Fixtures.write(text, named: "small-\(tool).txt", in: dir)
            try Fixtures.runTool([tool, "-f", path])
            let source = DecompressingByteSource(
                try FileByteSource(path: path + suffix), codec: try makeCodec(), inputBufferSize: 1 << 16)
            var out: [UInt8] = []
            var piece = [UInt8](repeating: 0, count: 7)
            while case let n = try piece.withUnsafeMutableBytes({ try source.read(into: $0) }), n > 0 {
                out += piece[..<n]
            }
            XCTAssertEqual(out, text, tool)
        }
    }

    func testGzipSourceStreamsInSmallReads() throws {
        let text = Array(String(repeating: "a line of text\n", count: 5000).utf8)
        let path = try Fixtures.write(text, named: "t.txt", in: dir)
        try Fixtures.runTool(["gzip", "-f", path])
        let source = DecompressingByteSource(
            try FileByteSource(path: path + ".gz"), codec: try GzipCodec(), inputBufferSize: 64)
        var out: [UInt8] = []
        var piece = [UInt8](repeating: 0, count: 100)
        while case let n = try piece.withUnsafeMutableBytes({ try source.read(into: $0) }), n > 0 {
            out += piece[..<n]
        }
        XCTAssertEqual(out, text)
    }

    func testTruncatedGzipIsRefused() throws {
        let gz = try twoMemberGzip(of: corpus("en/kjv-sample.txt"), named: "k.txt.gz")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: gz)))
        let cut = try Fixtures.write(Array(bytes[..<(bytes.count - 10)]), named: "cut.txt.gz", in: dir)
        XCTAssertThrowsError(try tokenize([cut], "cut")) { e in
            let error = e as! TokenizationError
            XCTAssertTrue(error.description.hasPrefix("\(cut): truncated gzip stream"), error.description)
            XCTAssertEqual(error.exitCode, 2)
        }
    }

    func testBinaryFilesNotNamedAsSuchAreRefused() throws {
        let gz = try twoMemberGzip(of: corpus("jsonl/wiki-style.jsonl"), named: "w.jsonl.gz")
        let gzipBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: gz)))
        let cases: [(name: String, bytes: [UInt8], message: String)] = [
            ("corpus.jsonl", gzipBytes, "is gzip-compressed but not named .gz"),
            ("corpus.txt", [0x28, 0xB5, 0x2F, 0xFD, 0, 0], "is zstd-compressed but not named .zst"),
            ("fineweb.jsonl", Array("PAR1\u{0}\u{0}".utf8), "Parquet is not read directly; convert it to JSONL first"),
            ("fineweb.parquet", Array("text\n".utf8), "Parquet is not read directly; convert it to JSONL first"),
            ("archive.txt", [0x50, 0x4B, 0x03, 0x04, 0, 0], "is a zip archive"),
            ("plain.txt.gz", Array("not gzip\n".utf8), "is named .gz but is not gzip data"),
        ]
        for c in cases {
            let path = try Fixtures.write(c.bytes, named: c.name, in: dir)
            XCTAssertThrowsError(try tokenize([path], "out-" + c.name), c.name) { e in
                let error = e as! TokenizationError
                XCTAssertTrue(error.description.hasPrefix("\(path): \(c.message)"), error.description)
                XCTAssertFalse(error.description.contains("\n"))
                XCTAssertEqual(error.exitCode, 2)
            }
        }
    }

    func testMostlyInvalidUTF8IsRefusedAndAFewBadBytesAreRepaired() throws {
        // 100 bytes of Latin-1 in 1,000: a file in another encoding.
        let latin1 = Array(repeating: Array("caf".utf8) + [0xE9] + Array(" au lait\n".utf8), count: 77).flatMap { $0 }
        let bad = try Fixtures.write(latin1, named: "latin1.txt", in: dir)
        XCTAssertThrowsError(try tokenize([bad], "bad")) { e in
            let error = e as! TokenizationError
            XCTAssertEqual(
                error.description,
                "\(bad): 77 of \(latin1.count) bytes are not valid UTF-8, more than --max-invalid-utf8 0.01 allows "
                    + "(binary data or another encoding? --max-invalid-utf8 1 repairs it anyway)")
            XCTAssertEqual(error.exitCode, 2)
        }
        var allowed = TokenizeJob(vocabularyPath: vocab, inputs: [bad], outputDirectory: dir + "/allowed")
        allowed.maxInvalidUTF8 = 1
        XCTAssertEqual(try allowed.run().replacedInvalidUTF8, 77)

        // One stray byte in about 1,500 is repaired, as before.
        let stray = Array(String(repeating: "clean text line\n", count: 100).utf8) + [0xFF, 10]
        let ok = try Fixtures.write(stray, named: "stray.txt", in: dir)
        var job = TokenizeJob(vocabularyPath: vocab, inputs: [ok], outputDirectory: dir + "/ok")
        XCTAssertEqual(try job.run().replacedInvalidUTF8, 1)
        job.outputDirectory = dir + "/strict"
        job.maxInvalidUTF8 = 0
        XCTAssertThrowsError(try job.run())
    }

    func testMagicAcceptsWhatTheNameSays() throws {
        try InputMagic.check(head: [0x1F, 0x8B, 8, 0, 0, 0], of: "a.txt.gz", compression: .gzip)
        try InputMagic.check(head: [0x28, 0xB5, 0x2F, 0xFD, 0, 0], of: "a.zst", compression: .zstd)
        // pzstd opens its files with a skippable frame.
        try InputMagic.check(head: [0x50, 0x2A, 0x4D, 0x18, 4, 0], of: "a.zst", compression: .zstd)
        try InputMagic.check(head: Array("hello\n".utf8), of: "a.txt", compression: .none)
        XCTAssertThrowsError(try InputMagic.check(head: [0x1F, 0x8B, 8, 0], of: "-", compression: .none))
    }

    /// A 0-byte .zst or .gz is an error naming the file (as `zstd -d`, `gzip -d` say); text
    /// named .zst is reported from byte 0, and bad data after good frames from where it starts.
    func testEmptyAndMisnamedCompressedInputsNameTheFileAndWhereTheBadBytesStart() throws {
        for name in ["empty.zst", "empty.gz"] {
            let path = try Fixtures.write([], named: name, in: dir)
            XCTAssertThrowsError(try tokenize([path], dir + "/out-" + name)) { e in
                XCTAssertEqual((e as? TokenizationError)?.exitCode, 2)
                XCTAssertTrue("\(e)".hasPrefix("\(path): is named ."), "\(e)")
                XCTAssertTrue("\(e)".contains("is empty (0 bytes)"), "\(e)")
            }
        }
        let text = Array(String(repeating: "plain text, not compressed\n", count: 10_000).utf8)
        let misnamed = try Fixtures.write(text, named: "text.zst", in: dir)
        XCTAssertThrowsError(try tokenize([misnamed], dir + "/out-text")) { e in
            XCTAssertEqual("\(e)", "\(misnamed): is named .zst but is not zstd data (from byte 0)")
        }
        // A valid frame followed by text: the bad bytes start where the frame ends.
        let frame = try compressed(text)
        let mixed = try Fixtures.write(frame + text, named: "mixed.zst", in: dir)
        XCTAssertThrowsError(try tokenize([mixed], dir + "/out-mixed")) { e in
            XCTAssertTrue("\(e)".hasPrefix("\(mixed): zstd: "), "\(e)")
            XCTAssertTrue("\(e)".hasSuffix("in the frame at compressed byte \(frame.count)"), "\(e)")
        }
    }

    private func compressed(_ bytes: [UInt8]) throws -> [UInt8] {
        let plain = try Fixtures.write(bytes, named: "plain-for-zstd.txt", in: dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["zstd", "-q", "-f", plain, "-o", plain + ".zst"]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: plain + ".zst")))
    }

    func testInvalidByteCount() {
        let bytes: [UInt8] = [0x61, 0xFF, 0x62, 0xE2, 0x82, 0x20, 0xC3, 0xA9, 0xC3]
        bytes.withUnsafeBufferPointer { XCTAssertEqual(InvalidUTF8Threshold.invalidByteCount($0), 4) }
    }
}
