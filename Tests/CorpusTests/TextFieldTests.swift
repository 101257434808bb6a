import Foundation
import XCTest
@testable import Corpus
import Shards
import Tokenization

/// `--text-field`: which JSONL members hold the text; a missing one is a one-line error with its line.
final class TextFieldTests: XCTestCase {
    private func extract(_ fields: [String], _ json: String) throws -> String {
        var out: [UInt8] = []
        var scratch: [JSONMemberLocation] = []
        try Array(json.utf8).withUnsafeBufferPointer {
            try JSONTextField.extract(try TextFields(fields), from: $0, into: &out, scratch: &scratch)
        }
        return String(decoding: out, as: UTF8.self)
    }

    func testDottedPathsAndSeveralFields() throws {
        let line =
            #"{"id": 3, "text": "top", "meta": {"n": [1, {"body": "no"}], "body": "nested \"b\"", "x": {}}, "title": "T"}"#
        XCTAssertEqual(try extract(["text"], line), "top")
        XCTAssertEqual(try extract(["meta.body"], line), "nested \"b\"")
        XCTAssertEqual(try extract(["title", "meta.body"], line), "T\n\nnested \"b\"")
        XCTAssertThrowsError(try extract(["meta.missing"], line)) {
            XCTAssertEqual($0 as? JSONTextField.Failure, .missingField("meta.missing", column: 92))
        }
        XCTAssertThrowsError(try extract(["meta.x.body"], line)) {
            XCTAssertEqual($0 as? JSONTextField.Failure, .missingField("meta.x.body", column: 91))
        }
        XCTAssertThrowsError(try extract(["id.body"], line)) {
            XCTAssertEqual($0 as? JSONTextField.Failure, .notAnObject("id", column: 8))
        }
        XCTAssertThrowsError(try extract(["meta"], line)) {
            XCTAssertEqual($0 as? JSONTextField.Failure, .notAString("meta", column: 34))
        }
        XCTAssertThrowsError(try TextFields(["meta..body"]))
        XCTAssertThrowsError(try TextFields([]))
    }

    func testTokenizeReadsTheChosenFieldsAndNamesTheLineOfAMissingOne() throws {
        let dir = try Fixtures.makeTemporaryDirectory(prefix: "text-field")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let vocab = Fixtures.vocabPath("bert-base-uncased")
        let nested = try Fixtures.write(
            Array(
                (#"{"title": "A title", "meta": {"body": "first body.\nsecond line."}}"# + "\n"
                    + #"{"title": "B", "meta": {"body": "other"}}"# + "\n").utf8), named: "n.jsonl", in: dir)
        let flat = try Fixtures.write(
            Array(
                (#"{"text": "A title\n\nfirst body.\nsecond line."}"# + "\n" + #"{"text": "B\n\nother"}"# + "\n").utf8),
            named: "f.jsonl", in: dir)
        var job = TokenizeJob(vocabularyPath: vocab, inputs: [nested], outputDirectory: dir + "/n")
        job.textFields = try TextFields(["title", "meta.body"])
        _ = try job.run()
        _ = try TokenizeJob(vocabularyPath: vocab, inputs: [flat], outputDirectory: dir + "/f").run()
        let got = try Fixtures.documentRecords(in: dir + "/n"), want = try Fixtures.documentRecords(in: dir + "/f")
        XCTAssertEqual(got.map(\.0), want.map(\.0))
        XCTAssertEqual(got.map(\.1), want.map(\.1))
        XCTAssertEqual(try Dataset.readManifest(in: dir + "/n").config["text_fields"], "title,meta.body")
        XCTAssertNil(try Dataset.readManifest(in: dir + "/f").config["text_fields"])

        job.textFields = try TextFields(["meta.summary"])
        job.outputDirectory = dir + "/missing"
        XCTAssertThrowsError(try job.run()) { e in
            XCTAssertEqual(
                (e as! TokenizationError).description,
                "\(nested):1:66: JSON object has no \"meta.summary\" member")
        }
    }

    /// The whole line must be one valid JSON object (issue 18's cases were accepted before),
    /// and the last duplicate key wins, as in Python.
    func testMalformedLinesNameFileLineAndColumn() throws {
        let dir = try Fixtures.makeTemporaryDirectory(prefix: "strict-jsonl")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let vocab = Fixtures.vocabPath("bert-base-uncased")
        let cases: [(String, String)] = [
            (#"{"text":"hi"} garbage"#, "2:15: malformed JSON: unexpected 'g' after the JSON value"),
            (#"{"text":"hi""#, "2:13: malformed JSON: unclosed object: end of input"),
            (#"{"text":"hi",}"#, "2:14: malformed JSON: trailing comma before '}'"),
            (#"{"text":"#, "2:9: malformed JSON: expected a value, found end of input"),
        ]
        for (k, (line, message)) in cases.enumerated() {
            let input = try Fixtures.write(
                Array(("{\"text\": \"fine\"}\n" + line + "\n").utf8), named: "c\(k).jsonl", in: dir)
            XCTAssertThrowsError(
                try TokenizeJob(vocabularyPath: vocab, inputs: [input], outputDirectory: dir + "/o\(k)").run()
            ) { e in
                XCTAssertEqual((e as? TokenizationError)?.exitCode, 2)
                XCTAssertEqual("\(e)", "\(input):\(message)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/o\(k)/manifest.json"))
        }
        var out: [UInt8] = []
        var scratch: [JSONMemberLocation] = []
        try Array(#"{"text": "first", "text": "last"}"#.utf8).withUnsafeBufferPointer {
            try JSONTextField.extract(.default, from: $0, into: &out, scratch: &scratch)
        }
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "last")
    }
}
