import Foundation
import XCTest

/// `prep encode` / `prep tokenize` as a user runs them: output, exit codes, one-line errors.
final class TokenizerCLITests: XCTestCase {
    static let root = PrepProcess.root
    let vocab = root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path
    var dir: String!

    override func setUpWithError() throws {
        dir =
            FileManager.default.temporaryDirectory.appendingPathComponent("prep-cli-\(getpid())-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    @discardableResult
    func run(_ args: [String], stdin: [UInt8]? = nil) throws -> (status: Int32, out: String, err: String) {
        try PrepProcess.run(args, stdin: stdin)
    }

    func write(_ name: String, _ s: String) throws -> String {
        let path = (dir as NSString).appendingPathComponent(name)
        try s.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Expected ids: tokenizers 0.23.3 BertWordPieceTokenizer(bert-base-uncased, lowercase=True).encode(line).ids.
    func testEncodeFromStdin() throws {
        let r = try run(["encode", "--vocab", vocab], stdin: Array("Hello, world!\n\nhéllo wörld\n".utf8))
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "[101,7592,1010,2088,999,102]\n[101,102]\n[101,7592,2088,102]\n")
        let t = try run(
            ["encode", "--vocab", vocab, "--tokens", "--no-special-tokens"], stdin: Array("unaffable\n".utf8))
        XCTAssertEqual(t.out, "[\"una\",\"##ffa\",\"##ble\"]\n")
    }

    func testEncodeJSONL() throws {
        let path = try write(
            "a.jsonl", #"{"text": "Hello, world!"}"# + "\n" + #"{"id": 2, "text": "h\u00e9llo"}"# + "\n")
        let r = try run(["encode", "--vocab", vocab, "--input", path, "--format", "jsonl"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "[101,7592,1010,2088,999,102]\n[101,7592,102]\n")
    }

    func testEncodeEmptyInputIsEmptyOutput() throws {
        let r = try run(["encode", "--vocab", vocab], stdin: [])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.out, "")
    }

    func testInvalidUTF8WarnsOnceOrFails() throws {
        let bytes: [UInt8] = Array("ok\n".utf8) + [0x61, 0xFF, 0x62, 0x0A, 0xC3, 0x0A]
        // 3 bad bytes in 10 is far above the default rate; allowed here to test the repair.
        let r = try run(["encode", "--vocab", vocab, "--max-invalid-utf8", "1"], stdin: bytes)
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.out.split(separator: "\n").count, 3)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1)
        XCTAssertTrue(r.err.contains("replaced 2 invalid UTF-8"), r.err)
        let f = try run(["encode", "--vocab", vocab, "--on-invalid", "fail"], stdin: bytes)
        XCTAssertEqual(f.status, 2)
        XCTAssertEqual(f.err, "error: <stdin>: invalid UTF-8 at byte offset 4\n")
    }

    func testMissingVocabularyExits2NamingTheFile() throws {
        let r = try run(["encode", "--vocab", dir + "/missing.txt"], stdin: Array("x\n".utf8))
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.err, "error: \(dir!)/missing.txt: vocabulary file not found\n")
        let noUnk = try write("v.txt", "[CLS]\n[SEP]\nhello\n")
        let u = try run(["encode", "--vocab", noUnk], stdin: Array("x\n".utf8))
        XCTAssertEqual(u.status, 2)
        XCTAssertTrue(u.err.hasPrefix("error: \(noUnk): ") && u.err.contains("[UNK]"), u.err)
        let t = try run(["tokenize", "--vocab", noUnk, "--input", noUnk, "--output", dir + "/o"])
        XCTAssertEqual(t.status, 2)
    }

    func testDuplicateVocabularyLinesWarn() throws {
        let v = try write("dup.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\nhello\n##s\n")
        let r = try run(["encode", "--vocab", v], stdin: Array("hello worlds\n".utf8))
        XCTAssertEqual(r.out, "[2,7,6,8,3]\n")  // reference: the later "hello" (id 7) wins
        XCTAssertTrue(r.err.hasPrefix("warning: \(v): 1 duplicate token(s)"), r.err)
    }

    func testTokenizeIsIndependentOfThreadsAndSummarizes() throws {
        let text = try String(
            contentsOf: Self.root.appendingPathComponent("Corpora/en/kjv-sample.txt"), encoding: .utf8)
        let input = try write("in.txt", String(text.prefix(200_000)))
        var manifests: [Data] = []
        // No --threads: all cores, the same bytes.
        for t in ["1", "2", "default"] {
            let r = try run(
                ["tokenize", "--vocab", vocab, "--input", input, "--output", dir + "/o\(t)", "--json"]
                    + (t == "default" ? [] : ["--threads", t]))
            XCTAssertEqual(r.status, 0, r.err)
            let summary = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
            XCTAssertGreaterThan(summary["documents"] as! Int, 0)
            XCTAssertEqual(r.out.filter { $0 == "\n" }.count, 1)
            manifests.append(try Data(contentsOf: URL(fileURLWithPath: dir + "/o\(t)/manifest.json")))
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: dir + "/o\(t)/shard-00000.drbs")),
                try Data(contentsOf: URL(fileURLWithPath: dir + "/o1/shard-00000.drbs")))
        }
        XCTAssertEqual(manifests[0], manifests[1])
    }

    /// `--input -` reads standard input: the same documents as the file, and a gzip stream
    /// on stdin (which has no name to say so) is refused rather than tokenized.
    func testTokenizeFromStdinAndRefusesUnnamedGzip() throws {
        let text = try String(
            contentsOf: Self.root.appendingPathComponent("Corpora/en/kjv-sample.txt"), encoding: .utf8)
        let input = try write("in.txt", String(text.prefix(50_000)))
        let file = try run(["tokenize", "--vocab", vocab, "--input", input, "--output", dir + "/file", "--json"])
        XCTAssertEqual(file.status, 0, file.err)
        let stdin = try run(
            ["tokenize", "--vocab", vocab, "--input", "-", "--output", dir + "/stdin", "--json"],
            stdin: Array(text.prefix(50_000).utf8))
        XCTAssertEqual(stdin.status, 0, stdin.err)
        for summary in [file, stdin] {
            let s = try JSONSerialization.jsonObject(with: Data(summary.out.utf8)) as! [String: Any]
            XCTAssertEqual(
                s["tokens"] as? Int,
                (try JSONSerialization.jsonObject(with: Data(file.out.utf8)) as! [String: Any])["tokens"] as? Int)
            XCTAssertGreaterThan(s["documents"] as! Int, 0)
        }
        let gzip = try run(
            ["tokenize", "--vocab", vocab, "--input", "-", "--output", dir + "/gz"],
            stdin: [0x1F, 0x8B, 8, 0, 0, 0, 0, 0])
        XCTAssertEqual(gzip.status, 2)
        XCTAssertEqual(
            gzip.err,
            "error: <stdin>: is gzip-compressed but not named .gz; decompress it first (zcat FILE | prep ... --input -)\n"
        )
        let vocabRun = try run(
            ["vocab", "--input", "-", "--output", dir + "/v", "--vocab-size", "200", "--json"],
            stdin: Array(text.prefix(50_000).utf8))
        XCTAssertEqual(vocabRun.status, 0, vocabRun.err)
    }

    /// A directory with --glob, and --text-field with a missing key: exit 2 naming file and line.
    func testTokenizeADirectoryWithGlobAndTextField() throws {
        try FileManager.default.createDirectory(atPath: dir + "/in/sub", withIntermediateDirectories: true)
        let body = try write("in/sub/b.jsonl", #"{"meta": {"body": "hello world"}}"# + "\n")
        _ = try write("in/a.txt", "not chosen by the glob\n")
        let r = try run([
            "tokenize", "--vocab", vocab, "--input", dir + "/in", "--glob", "*.jsonl", "--text-field", "meta.body",
            "--output", dir + "/o", "--json",
        ])
        XCTAssertEqual(r.status, 0, r.err)
        let s = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        XCTAssertEqual(s["documents"] as? Int, 1)
        XCTAssertEqual(s["tokens"] as? Int, 2)
        // Without --json the same summary is one sentence, also when piped (one convention).
        let sentence = try run([
            "tokenize", "--vocab", vocab, "--input", dir + "/in", "--glob", "*.jsonl", "--text-field", "meta.body",
            "--output", dir + "/s",
        ])
        XCTAssertEqual(sentence.status, 0, sentence.err)
        XCTAssertTrue(sentence.out.hasPrefix(dir + "/s: 1 documents, 1 sentences, 2 tokens"), sentence.out)
        let missing = try run([
            "tokenize", "--vocab", vocab, "--input", dir + "/in", "--glob", "*.jsonl", "--text-field", "meta.title",
            "--output", dir + "/m",
        ])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.err, "error: \(body):1:32: JSON object has no \"meta.title\" member\n")
    }

    /// A mostly-invalid text file is refused with one line and exit 2, not repaired into noise.
    func testTokenizeRefusesAFileOfMostlyInvalidUTF8() throws {
        let path = (dir as NSString).appendingPathComponent("latin1.txt")
        try Data(Array(repeating: [0x63, 0x61, 0x66, 0xE9, 0x0A], count: 50).flatMap { $0 }).write(
            to: URL(fileURLWithPath: path))
        let r = try run(["tokenize", "--vocab", vocab, "--input", path, "--output", dir + "/o"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.err.filter { $0 == "\n" }.count, 1, r.err)
        XCTAssertTrue(r.err.hasPrefix("error: \(path): 50 of 250 bytes are not valid UTF-8"), r.err)
        let allowed = try run(
            ["tokenize", "--vocab", vocab, "--input", path, "--output", dir + "/o", "--max-invalid-utf8", "1"])
        XCTAssertEqual(allowed.status, 0, allowed.err)
    }

    /// Tokenize refuses a finished dataset of other input or settings (exit 2, one line),
    /// as mask does; the same invocation again rebuilds it, byte for byte.
    func testTokenizeRefusesADatasetOfOtherSettings() throws {
        let input = try write("in.txt", "One sentence.\nAnother one.\n\nA second document.\n")
        let other = try write("other.txt", "Different text.\n")
        let arguments = ["tokenize", "--vocab", vocab, "--input", input, "--output", dir + "/o"]
        XCTAssertEqual(try run(arguments).status, 0)
        let shard = try Data(contentsOf: URL(fileURLWithPath: dir + "/o/shard-00000.drbs"))
        XCTAssertEqual(try run(arguments).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/o/shard-00000.drbs")), shard)
        for changed in [
            ["tokenize", "--vocab", vocab, "--input", other, "--output", dir + "/o"],
            arguments + ["--no-lowercase"],
        ] {
            let r = try run(changed)
            XCTAssertEqual(r.status, 2, r.err)
            XCTAssertTrue(r.err.hasPrefix("error: ") && r.err.contains("other settings"), r.err)
            XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/o/shard-00000.drbs")), shard)
    }

    /// Argument errors come from swift-argument-parser's validate(): non-zero with a message.
    func testUsageErrorsFail() throws {
        let f = try run(["encode", "--vocab", vocab, "--format", "xml"], stdin: [])
        XCTAssertNotEqual(f.status, 0)
        XCTAssertTrue(f.err.contains("--format must be text or jsonl"), f.err)
        let r = try run(["tokenize", "--vocab", vocab, "--input", "x", "--output", dir + "/o", "--threads", "0"])
        XCTAssertNotEqual(r.status, 0)
    }
}
