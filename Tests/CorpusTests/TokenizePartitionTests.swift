import Foundation
import XCTest

@testable import Corpus
@testable import Shards

/// `prep tokenize --partition I/N`: the parts' documents, in part order, are the single run's
/// (same ids, same order, long documents split the same), their digests compose into the
/// single run's, a part resumes and a finished part is kept, and errors in a part that starts
/// mid-file give the byte offset.
final class TokenizePartitionTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try Fixtures.makeTemporaryDirectory(prefix: "tokpart") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    static let words = [
        "the", "king", "said", "unto", "them", "and", "it", "was", "so", "people", "went", "out",
        "of", "city", "to", "see", "what", "happened", "running", "unbelievable", "package", "debian",
    ]

    /// Deterministic text: documents of 1–9 sentences, blank lines between them (sometimes
    /// several, sometimes whitespace-only or CRLF), every 17th document long enough to be
    /// split by a 300-byte `maxDocumentBytes`.
    static func text(documents: Int, seed: Int) -> String {
        var out = ""
        var x = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next(_ n: Int) -> Int {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return Int(x % UInt64(n))
        }
        for d in 0..<documents {
            let sentences = d % 17 == 5 ? 40 : 1 + next(9)
            for _ in 0..<sentences {
                out += (0..<(3 + next(12))).map { _ in words[next(words.count)] }.joined(separator: " ")
                out += next(10) == 0 ? "\r\n" : "\n"
            }
            out += ["\n", "\n\n", "  \t\n", "\r\n"][next(4)]
        }
        return out
    }

    /// The same documents as JSONL, one per line (sentences joined by \n), a blank line now and then.
    static func jsonl(documents: Int, seed: Int) -> String {
        var docs: [[String]] = [[]]
        for line in text(documents: documents, seed: seed).replacingOccurrences(of: "\r", with: "").split(
            separator: "\n", omittingEmptySubsequences: false)
        {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if !docs[docs.count - 1].isEmpty { docs.append([]) }
            } else {
                docs[docs.count - 1].append(String(line))
            }
        }
        return docs.filter { !$0.isEmpty }.enumerated().map { i, sentences in
            "{\"id\": \(i), \"text\": \"\(sentences.joined(separator: "\\n"))\"}\n" + (i % 9 == 0 ? "\n" : "")
        }.joined()
    }

    private func job(_ inputs: [String], _ output: String, partition: Partition? = nil) -> TokenizeJob {
        var job = TokenizeJob(
            vocabularyPath: Fixtures.vocabPath("bert-base-uncased"), inputs: inputs, outputDirectory: output)
        job.threads = 2
        job.chunkBytes = 1000
        job.shardTokens = 1500
        job.maxDocumentBytes = 300
        job.partition = partition
        return job
    }

    private func corpora() throws -> [(String, [String])] {
        var small: [String] = []
        for i in 0..<12 {
            let name = String(format: "f%02d.%@", i, i % 3 == 0 ? "jsonl" : "txt")
            let body = i % 3 == 0 ? Self.jsonl(documents: 5 + i, seed: i) : Self.text(documents: 5 + i, seed: i)
            small.append(try Fixtures.write(Array(body.utf8), named: name, in: dir))
        }
        let bigText = try Fixtures.write(Array(Self.text(documents: 250, seed: 99).utf8), named: "big.txt", in: dir)
        let bigJSONL = try Fixtures.write(
            Array(Self.jsonl(documents: 250, seed: 98).utf8), named: "big.jsonl", in: dir)
        return [("small files", small), ("one text file", [bigText]), ("one JSONL file", [bigJSONL])]
    }

    func testPartsHoldTheSingleRunsDocumentsInOrder() throws {
        for (name, inputs) in try corpora() {
            let single = dir + "/single-\(name)"
            let s = try job(inputs, single).run()
            XCTAssertGreaterThan(s.splitDocuments, 0, "\(name): long documents are split")
            let expected = try Fixtures.documentRecords(in: single)
            let expectedDigest = try Dataset.readManifest(in: single).config[TokenizeJob.digestKey]
            XCTAssertNotNil(expectedDigest)
            for n in [1, 2, 3, 7] {
                var documents: [([UInt32], [UInt32])] = []
                var digest = DocumentStreamDigest()
                var split = 0
                var bytes: [Range<Int>] = []
                for i in 0..<n {
                    let out = dir + "/\(name)-\(i)of\(n)"
                    let part = try job(inputs, out, partition: try Partition(index: i, count: n)).run()
                    split += part.splitDocuments
                    documents += try Fixtures.documentRecords(in: out)
                    let manifest = try Dataset.readManifest(in: out)
                    digest.append(DocumentStreamDigest(parsing: manifest.config[TokenizeJob.digestKey]!)!)
                    bytes.append(PartitionedRun.units(manifest.config[PartitionedRun.unitsKey]!)!)
                    XCTAssertEqual(manifest.config[PartitionedRun.partitionKey], "\(i)/\(n)")
                }
                XCTAssertEqual(documents.count, expected.count, "\(name), N = \(n)")
                XCTAssertTrue(documents.elementsEqual(expected, by: { $0 == $1 }), "\(name), N = \(n)")
                XCTAssertEqual(digest.description, expectedDigest, "\(name), N = \(n)")
                XCTAssertEqual(split, s.splitDocuments, "\(name), N = \(n)")
                // The parts' byte ranges follow each other and cover the input.
                XCTAssertEqual(bytes.first?.lowerBound, 0)
                XCTAssertEqual(bytes.last?.upperBound, try InputFiles.totalSize(of: inputs))
                for (a, b) in zip(bytes, bytes.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                if name != "small files" && n > 1 {
                    XCTAssertTrue(
                        bytes.allSatisfy { !$0.isEmpty }, "\(name), N = \(n): one file spreads over all parts")
                }
            }
        }
    }

    func testCutsAreDocumentBoundaries() throws {
        let text = "a b\nc\n\n \t\nd e\n\nf\n"
        let path = try Fixtures.write(Array(text.utf8), named: "t.txt", in: dir)
        // A cut moves past the first blank line that starts at or after the next line start
        // (from 8, inside the blank line 7..<10, that is the one at 14).
        let expected = [1: 7, 3: 7, 4: 7, 6: 7, 7: 10, 8: 15, 10: 15, 11: 15, 15: 17, 16: 17]
        for (offset, cut) in expected {
            XCTAssertEqual(
                try InputSplit.documentBoundary(in: path, from: offset, size: text.utf8.count, format: .text), cut,
                "text from \(offset)")
        }
        let lines = "{\"text\":\"a\"}\n{\"text\":\"b\"}\n"
        let jsonl = try Fixtures.write(Array(lines.utf8), named: "t.jsonl", in: dir)
        for (offset, cut) in [1: 13, 12: 13, 13: 13, 14: 26, 25: 26] {
            XCTAssertEqual(
                try InputSplit.documentBoundary(in: jsonl, from: offset, size: lines.utf8.count, format: .jsonl), cut,
                "jsonl from \(offset)")
        }
    }

    func testCompressedFilesGoWholeToOnePart() throws {
        let plain = try Fixtures.write(Array(Self.text(documents: 200, seed: 5).utf8), named: "a.txt", in: dir)
        try Fixtures.runTool(["gzip", "-k", "-f", plain])
        let inputs = [plain + ".gz", plain]
        let single = try job(inputs, dir + "/single").run().documents
        var total = 0
        var gzipOwners = 0
        for i in 0..<3 {
            let (slices, _) = try InputSplit.slices(
                of: inputs, formats: [.text, .text], partition: try Partition(index: i, count: 3))
            XCTAssertTrue(slices.allSatisfy { $0.path.hasSuffix(".txt") || $0.range == nil }, "\(slices)")
            gzipOwners += slices.filter { $0.path.hasSuffix(".gz") }.count
            total += try job(inputs, dir + "/gz-\(i)", partition: try Partition(index: i, count: 3)).run().documents
        }
        XCTAssertEqual(total, single)
        XCTAssertEqual(gzipOwners, 1)
    }

    func testAPartResumesAndAFinishedPartIsKept() throws {
        let input = try Fixtures.write(Array(Self.text(documents: 400, seed: 3).utf8), named: "r.txt", in: dir)
        let out = dir + "/part"
        var j = job([input], out, partition: try Partition(index: 1, count: 2))
        j.interruptAfterChunks = 3
        XCTAssertThrowsError(try j.run())
        j.interruptAfterChunks = nil
        let resumed = try j.run()
        XCTAssertGreaterThan(resumed.resumedShards, 0)
        let fresh = try job([input], dir + "/fresh", partition: try Partition(index: 1, count: 2)).run()
        XCTAssertEqual(try Fixtures.documentRecords(in: out).count, fresh.documents)
        XCTAssertTrue(
            try Fixtures.documentRecords(in: out).elementsEqual(
                try Fixtures.documentRecords(in: dir + "/fresh"), by: ==))
        let manifest = try Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))
        let again = try j.run()
        XCTAssertEqual(again.resumedShards, again.shards, "a finished part is a no-op")
        XCTAssertEqual(again.documents, fresh.documents)
        XCTAssertEqual(again.tokens, fresh.tokens)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json")), manifest)
        // The directory of part 1 is not taken for part 0.
        XCTAssertThrowsError(try job([input], out, partition: try Partition(index: 0, count: 2)).run()) {
            XCTAssertTrue("\($0)".contains("made with other settings"), "\($0)")
        }
    }

    func testAnErrorInAPartThatStartsMidFileGivesTheByteOffset() throws {
        var body = Self.jsonl(documents: 300, seed: 4)
        let bad = body.utf8.count * 3 / 4
        let lineStart = body.utf8.prefix(bad).lastIndex(of: 10).map {
            body.utf8.distance(from: body.utf8.startIndex, to: $0) + 1
        }!
        body = String(body.utf8.prefix(lineStart))! + "{\"text\": 12}\n" + String(body.utf8.dropFirst(lineStart))!
        let path = try Fixtures.write(Array(body.utf8), named: "e.jsonl", in: dir)
        XCTAssertThrowsError(try job([path], dir + "/e1", partition: try Partition(index: 1, count: 2)).run()) {
            XCTAssertEqual(
                "\($0)",
                "\(path): byte \(lineStart + 9) (line number unknown: this --partition part starts mid-file): \"text\" is not a string"
            )
        }
        // Part 0 and the single run never see it or see it with its line number.
        XCTAssertNoThrow(try job([path], dir + "/e0", partition: try Partition(index: 0, count: 2)).run())
        XCTAssertThrowsError(try job([path], dir + "/e").run()) {
            XCTAssertTrue("\($0)".hasPrefix("\(path):"), "\($0)")
        }
        // Standard input cannot be split.
        XCTAssertThrowsError(try job(["-"], dir + "/s", partition: try Partition(index: 0, count: 2)).run()) {
            XCTAssertTrue("\($0)".contains("standard input cannot be split"), "\($0)")
        }
    }

    func testDigestComposes() {
        var whole = DocumentStreamDigest(), a = DocumentStreamDigest(), b = DocumentStreamDigest()
        var docs: [([UInt32], [UInt32])] = []
        for i in 0..<50 {
            let n = UInt32(i % 7)
            let ids: [UInt32] = (0..<n).map { $0 &* 31 &+ UInt32(i) }
            docs.append((ids, [n]))
        }
        for (i, d) in docs.enumerated() {
            d.0.withUnsafeBufferPointer { t in
                d.1.withUnsafeBufferPointer { s in
                    whole.append(tokens: t, sentenceLengths: s)
                    if i < 20 {
                        a.append(tokens: t, sentenceLengths: s)
                    } else {
                        b.append(tokens: t, sentenceLengths: s)
                    }
                }
            }
        }
        var joined = a
        joined.append(b)
        XCTAssertEqual(joined, whole)
        XCTAssertEqual(DocumentStreamDigest(parsing: whole.description), whole)
        var swapped = b
        swapped.append(a)
        XCTAssertNotEqual(swapped, whole, "order counts")
        XCTAssertNil(DocumentStreamDigest(parsing: "3:xyz"))
    }
}
