import Foundation
import Shards
import XCTest
@testable import Corpus
import Tokenization

/// `prep tokenize` / `prep encode` as library jobs: layout, determinism, bad input.
final class CorpusJobTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws { dir = try Fixtures.makeTemporaryDirectory(prefix: "corpus-job") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        try Fixtures.write(bytes, named: name, in: dir)
    }
    private var vocab: String { Fixtures.vocabPath("bert-base-uncased") }

    private func encodeIDs(_ text: String) throws -> [UInt32] {
        let encoder = try Fixtures.tokenizer("bert-base-uncased", lowercase: true).makeEncoder()
        var ids: [UInt32] = []
        Array(text.utf8).withUnsafeBufferPointer { _ = encoder.appendIDs(of: $0, to: &ids) }
        return ids
    }

    /// All records of a dataset directory: (token ids, sentence lengths).
    private func records(_ out: String) throws -> [([UInt32], [UInt32])] { try Fixtures.documentRecords(in: out) }

    func testDocumentsSentencesAndIDs() throws {
        let input = try file(
            "c.txt", Array("Hello world.\nSecond sentence here\r\n\n  \nNew document!\n\n\n[MASK] me\n".utf8))
        var job = TokenizeJob(vocabularyPath: vocab, inputs: [input], outputDirectory: dir + "/out")
        let s = try job.run()
        XCTAssertEqual(s.documents, 3)
        XCTAssertEqual(s.sentences, 4)
        let recs = try records(dir + "/out")
        XCTAssertEqual(recs.count, 3)
        let a = try encodeIDs("Hello world."), b = try encodeIDs("Second sentence here\r")
        XCTAssertEqual(recs[0].0, a + b)
        XCTAssertEqual(recs[0].1, [UInt32(a.count), UInt32(b.count)])
        XCTAssertEqual(recs[1].0, try encodeIDs("New document!"))
        // Added tokens in raw text are matched as the reference does.
        XCTAssertEqual(recs[2].0.first, 103)
        let manifest = try Dataset.readManifest(in: dir + "/out")
        XCTAssertEqual(manifest.kind, "documents")
        XCTAssertEqual(manifest.vocab.sha256, try VocabularyFile(path: vocab).identity.sha256)
        XCTAssertEqual(manifest.totalRecords, 3)
    }

    /// Output bytes must not depend on the thread count (small chunks force many work items).
    func testOutputIndependentOfThreads() throws {
        let text = try String(
            contentsOfFile: Fixtures.packageRoot.appendingPathComponent("Corpora/en/kjv-sample.txt").path,
            encoding: .utf8)
        let input = try file("kjv.txt", Array(text.utf8))
        var outputs: [[String: Data]] = []
        for threads in [1, 2, 3] {
            var job = TokenizeJob(vocabularyPath: vocab, inputs: [input, input], outputDirectory: dir + "/t\(threads)")
            job.threads = threads
            job.chunkBytes = 4096
            job.shardTokens = 20_000
            let s = try job.run()
            XCTAssertGreaterThan(s.shards, 2)
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/t\(threads)") {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/t\(threads)/" + name))
            }
            outputs.append(files)
        }
        XCTAssertEqual(outputs[0], outputs[1])
        XCTAssertEqual(outputs[0], outputs[2])
    }

    func testEmptyInputGivesAnEmptyDataset() throws {
        let input = try file("empty.txt", [])
        var job = TokenizeJob(vocabularyPath: vocab, inputs: [input], outputDirectory: dir + "/e")
        let s = try job.run()
        XCTAssertEqual(s.documents, 0)
        XCTAssertEqual(try Dataset.readManifest(in: dir + "/e").totalRecords, 0)
    }

    func testJSONLAndZstdInput() throws {
        let jsonl =
            #"{"id": 1, "meta": {"a": [1, "}"]}, "text": "caf\u00e9 \"quoted\"\nline two \ud83d\ude00"}"# + "\n\n"
            + #"{"text": "second doc"}"# + "\n"
        let plain = try file("d.jsonl", Array(jsonl.utf8))
        var job = TokenizeJob(vocabularyPath: vocab, inputs: [plain], outputDirectory: dir + "/j")
        job.format = .jsonl
        _ = try job.run()
        let recs = try records(dir + "/j")
        XCTAssertEqual(recs.count, 2)
        XCTAssertEqual(recs[0].1.count, 2)
        XCTAssertEqual(recs[0].0, try encodeIDs("caf\u{e9} \"quoted\"") + encodeIDs("line two \u{1F600}"))
        XCTAssertEqual(recs[1].0, try encodeIDs("second doc"))

        // The same through zstd (the zstd CLI is a set-up dependency).
        let zst = plain + ".zst"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["zstd", "-q", "-f", plain, "-o", zst]
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        job.inputs = [zst]
        job.outputDirectory = dir + "/z"
        _ = try job.run()
        let z = try records(dir + "/z")
        XCTAssertEqual(z.map(\.0), recs.map(\.0))
    }

    func testInvalidUTF8IsReplacedAndCounted() throws {
        let input = try file(
            "bad.txt", Array("ok line\n".utf8) + [0x61, 0xFF, 0x62, 0xE2, 0x82, 0x20] + Array(" z\n".utf8))
        var job = TokenizeJob(vocabularyPath: vocab, inputs: [input], outputDirectory: dir + "/r")
        // 4 bad bytes in 20 is far above the default rate; allowed here to test the repair.
        job.maxInvalidUTF8 = 1
        let s = try job.run()
        XCTAssertEqual(s.replacedInvalidUTF8, 2)
        XCTAssertEqual(s.warnings.count, 1)
        // Python: b"a\xffb\xe2\x82 z".decode("utf-8", "replace") == "a\ufffdb\ufffd z"; clean_text drops U+FFFD.
        XCTAssertEqual(try records(dir + "/r")[0].0, try encodeIDs("ok line") + encodeIDs("a\u{FFFD}b\u{FFFD} z"))

        job.onInvalid = .fail
        job.outputDirectory = dir + "/f"
        XCTAssertThrowsError(try job.run()) { e in
            XCTAssertEqual(e as? TokenizationError, .invalidUTF8(path: input, byteOffset: 9))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/f/manifest.json"))
    }

    func testMissingInputAndBadJSON() throws {
        var job = TokenizeJob(vocabularyPath: vocab, inputs: [dir + "/nope.txt"], outputDirectory: dir + "/m")
        XCTAssertThrowsError(try job.run()) { XCTAssertEqual(($0 as? TokenizationError)?.exitCode, 2) }
        let bad = try file("bad.jsonl", Array("{\"text\": \"a\"}\n{\"title\": \"no text\"}\n".utf8))
        job.inputs = [bad]
        job.format = .jsonl
        XCTAssertThrowsError(try job.run()) { e in
            XCTAssertEqual("\(e)", "\(bad):2:20: JSON object has no \"text\" member")
        }
    }

    /// A 10 MB line must tokenize in linear time: against a 1 MB line, a quadratic algorithm
    /// would take 100x as long (the bound is loose: this catches blow-up, it is not a timing
    /// test). Scripts/bench/tokenize times the same through `prep encode` in release.
    func testGiantLineIsLinear() throws {
        let encoder = try Fixtures.tokenizer("bert-base-uncased", lowercase: true).makeEncoder()
        let unit = Array("The quick brown fox jumps over the lazy dog, again and again; ".utf8)
        func time(_ n: Int) -> (Double, Int) {
            var text: [UInt8] = []
            while text.count < n { text += unit }
            var ids: [UInt32] = []
            let start = Date()
            text.withUnsafeBufferPointer { _ = encoder.appendIDs(of: $0, to: &ids) }
            return (Date().timeIntervalSince(start), ids.count)
        }
        let (small, smallCount) = time(1_000_000)
        let (big, bigCount) = time(10_000_000)
        XCTAssertEqual(Double(bigCount) / Double(smallCount), 10, accuracy: 0.1)
        XCTAssertLessThan(big, max(small, 0.05) * 40, "10 MB line took \(big)s vs \(small)s for 1 MB")
        // One 10 MB word without spaces: one [UNK] (over 100 scalars), without scanning the vocabulary.
        var ids: [UInt32] = []
        let word = [UInt8](repeating: 0x61, count: 10_000_000)
        word.withUnsafeBufferPointer { _ = encoder.appendIDs(of: $0, to: &ids) }
        XCTAssertEqual(ids, [100])
    }

    func testEncodeJob() throws {
        let input = try file("e.txt", Array("Hello world\r\n\n[CLS] x\nno newline".utf8))
        var job = EncodeJob(vocabularyPath: vocab)
        job.input = input
        let out = OutputBuffer.memory()
        _ = try job.run(output: out)
        // tokenizers 0.23.3 BertWordPieceTokenizer(bert-base-uncased).encode(line).ids
        XCTAssertEqual(
            String(decoding: out.captured, as: UTF8.self),
            "[101,7592,2088,102]\n[101,102]\n[101,101,1060,102]\n[101,2053,2047,4179,102]\n")
        job.printTokens = true
        job.addSpecialTokens = false
        let out2 = OutputBuffer.memory()
        _ = try job.run(output: out2)
        XCTAssertEqual(
            String(decoding: out2.captured, as: UTF8.self).split(separator: "\n").first, #"["hello","world"]"#)

        let empty = try file("empty.txt", [])
        job.input = empty
        let out3 = OutputBuffer.memory()
        XCTAssertEqual(try job.run(output: out3).lines, 0)
        XCTAssertTrue(out3.captured.isEmpty)
    }

    /// An interrupted run leaves finished shards and a checkpoint; the re-run keeps those
    /// shards and produces exactly the bytes of an uninterrupted run.
    func testInterruptedRunResumes() throws {
        let text = try String(
            contentsOfFile: Fixtures.packageRoot.appendingPathComponent("Corpora/en/kjv-sample.txt").path,
            encoding: .utf8)
        let input = try file("kjv.txt", Array(text.utf8))
        func job(_ out: String) -> TokenizeJob {
            var j = TokenizeJob(vocabularyPath: vocab, inputs: [input], outputDirectory: dir + "/" + out)
            j.chunkBytes = 4096; j.shardTokens = 10_000; j.threads = 2
            return j
        }
        let full = try job("full").run()
        XCTAssertGreaterThan(full.shards, 4)
        var interrupted = job("resumed")
        interrupted.interruptAfterChunks = 1
        XCTAssertThrowsError(try interrupted.run())
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/resumed/manifest.json"))
        let second = try job("resumed").run()
        XCTAssertGreaterThan(second.resumedShards, 0)
        XCTAssertEqual(second.documents, full.documents)
        XCTAssertEqual(second.tokens, full.tokens)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/full").sorted()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/resumed").sorted(), names)
        for name in names {
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: dir + "/full/" + name)),
                try Data(contentsOf: URL(fileURLWithPath: dir + "/resumed/" + name)), name)
        }
        // A finished dataset is rebuilt by the same settings (the same bytes again) and
        // refused by other ones, as `prep mask` refuses it.
        XCTAssertEqual(try job("resumed").run().documents, full.documents)
        var other = job("resumed")
        other.normalizer.lowercase = false
        XCTAssertThrowsError(try other.run()) { error in
            guard case ShardError.invalidDataset(let path, let detail) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(path, self.dir + "/resumed")
            XCTAssertTrue(detail.contains("other settings"), detail)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/resumed/manifest.json"))
        // An interrupted run's shards are not reused by other settings.
        var partial = job("partial")
        partial.interruptAfterChunks = 1
        XCTAssertThrowsError(try partial.run())
        var changed = job("partial")
        changed.normalizer.lowercase = false
        XCTAssertEqual(try changed.run().resumedShards, 0)
    }

    /// Progress is reported as values (the job draws nothing): input bytes, in order, up to the total.
    func testProgressReportsInputBytes() throws {
        let text = try String(
            contentsOfFile: Fixtures.packageRoot.appendingPathComponent("Corpora/en/kjv-sample.txt").path,
            encoding: .utf8)
        let input = try file("kjv.txt", Array(text.utf8))
        var job = TokenizeJob(vocabularyPath: vocab, inputs: [input], outputDirectory: dir + "/p")
        job.chunkBytes = 4096
        var events: [ProgressEvent] = []
        job.progress = { events.append($0) }
        _ = try job.run()
        XCTAssertGreaterThan(events.count, 10)
        XCTAssert(events.allSatisfy { $0.unit == .bytes && $0.total == text.utf8.count })
        XCTAssertEqual(events.map(\.completed), events.map(\.completed).sorted())
        XCTAssertEqual(events.last?.completed, text.utf8.count)
    }

    /// Without --format, each input's format follows its name, so one run takes both kinds.
    func testFormatByFileName() throws {
        XCTAssertEqual(InputFormat.detect(path: "a/b.jsonl.zst"), .jsonl)
        XCTAssertEqual(InputFormat.detect(path: "a/b.JSONL"), .jsonl)
        XCTAssertEqual(InputFormat.detect(path: "a/b.txt.zst"), .text)
        let text = try file("a.txt", Array("one sentence\n\nother doc\n".utf8))
        let jsonl = try file("b.jsonl", Array(#"{"text": "third doc"}"#.utf8))
        var job = TokenizeJob(vocabularyPath: vocab, inputs: [text, jsonl], outputDirectory: dir + "/auto")
        XCTAssertNil(job.format)
        _ = try job.run()
        XCTAssertEqual(
            try records(dir + "/auto").map(\.0),
            [try encodeIDs("one sentence"), try encodeIDs("other doc"), try encodeIDs("third doc")])
    }
}

final class VocabularyFileTests: XCTestCase {
    func testIdentityIsTheFilesSHA256() throws {
        let file = try VocabularyFile(path: Fixtures.vocabPath("bert-base-uncased"))
        XCTAssertEqual(file.identity.file, "vocab.txt")
        XCTAssertEqual(file.identity.size, 30_522)
        // What `sha256sum Vocab/bert-base-uncased/vocab.txt` prints.
        XCTAssertTrue(file.identity.sha256.hasPrefix("07eced375cec"), file.identity.sha256)
        XCTAssertTrue(file.identity.sha256.hasSuffix("92038a3"), file.identity.sha256)
    }
}
