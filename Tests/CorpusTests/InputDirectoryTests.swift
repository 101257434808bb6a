import Foundation
import XCTest
@testable import Corpus
import Tokenization

/// A directory input stands for its files, recursively, sorted by path bytes.
final class InputDirectoryTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws { dir = try Fixtures.makeTemporaryDirectory(prefix: "corpus-dir") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func make(_ relative: String, _ text: String) throws -> String {
        let path = (dir as NSString).appendingPathComponent("in/" + relative)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func layout() throws -> [String] {
        // Created out of order; listed sorted by bytes ("B" < "a" < "b").
        let b = try make("b/inner.jsonl", #"{"text": "inner document"}"# + "\n")
        let a = try make("a.txt", "first file.\n\nsecond doc.\n")
        let upper = try make("B.txt", "upper case name.\n")
        _ = try make("notes.md", "not a corpus file\n")
        _ = try make(".hidden.txt", "hidden\n")
        _ = try make(".git/x.txt", "in a hidden folder\n")
        let z = try make("c/z.txt.gz.txt", "odd but a .txt\n")
        return [upper, a, b, z]
    }

    func testExpansionIsRecursiveSortedAndFiltered() throws {
        let expected = try layout()
        XCTAssertEqual(try InputFiles.expand([dir + "/in"]), expected)
        XCTAssertEqual(try InputFiles.expand([dir + "/in"], glob: "*.jsonl"), [expected[2]])
        XCTAssertEqual(try InputFiles.expand(["-", expected[0]]), ["-", expected[0]])
        XCTAssertThrowsError(try InputFiles.expand([dir + "/in"], glob: "*.parquet")) { e in
            XCTAssertEqual(
                (e as! TokenizationError).description,
                "\(dir!)/in: directory has no input files matching --glob *.parquet")
        }
    }

    func testADirectoryGivesTheSameShardsAsItsFilesListed() throws {
        let files = try layout()
        let vocab = Fixtures.vocabPath("bert-base-uncased")
        _ = try TokenizeJob(vocabularyPath: vocab, inputs: [dir + "/in"], outputDirectory: dir + "/d").run()
        _ = try TokenizeJob(vocabularyPath: vocab, inputs: files, outputDirectory: dir + "/f").run()
        for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/f") where name.hasSuffix(".drbs") {
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: dir + "/d/" + name)),
                try Data(contentsOf: URL(fileURLWithPath: dir + "/f/" + name)), name)
        }
        XCTAssertEqual(try Fixtures.documentRecords(in: dir + "/d").count, 5)
    }
}
