import Foundation
import XCTest
@testable import Tokenization
@testable import Corpus

/// Every line of `Corpora/` against `corpus-<vocab>-<lower|cased>.jsonl.zst`, produced by
/// HF tokenizers 0.23.3 (Scripts/reference/tokenizer_fixtures.py). Lines are read the way
/// `prep encode` reads them: text files per `\n`, JSONL per object's "text".
final class CorpusParityTests: XCTestCase {
    func testUncasedLowercase() throws { try check("bert-base-uncased", lowercase: true) }
    func testUncasedCased() throws { try check("bert-base-uncased", lowercase: false) }
    func testChineseLowercase() throws { try check("bert-base-chinese", lowercase: true) }
    func testChineseCased() throws { try check("bert-base-chinese", lowercase: false) }

    private func check(_ vocab: String, lowercase: Bool) throws {
        let rows = try Fixtures.rows("corpus-\(vocab)-\(lowercase ? "lower" : "cased").jsonl.zst")
        XCTAssertGreaterThan(rows.count, 1000)
        let encoder = try Fixtures.tokenizer(vocab, lowercase: lowercase).makeEncoder()
        var texts: [String: [[UInt8]]] = [:]  // file -> lines (1-based via index + 1)
        var encoding = Encoding()
        var failures: [String] = []
        for row in rows {
            let file = row["file"] as! String
            let line = row["line"] as! Int
            if texts[file] == nil { texts[file] = try Self.lines(of: file) }
            let text = texts[file]![line - 1]
            try text.withUnsafeBufferPointer { try encoder.encode($0, into: &encoding) }
            if encoding.ids.asInts != row["ids"] as! [Int] {
                failures.append("\(file):\(line)")
            }
        }
        if !failures.isEmpty {
            XCTFail(
                "\(failures.count) of \(rows.count) corpus lines differ from the reference, e.g. "
                    + failures.prefix(20).joined(separator: ", "))
        }
    }

    /// Lines of a corpus file by line number: text split on `\n`; JSONL "text" of each line.
    static func lines(of file: String) throws -> [[UInt8]] {
        let path = Fixtures.packageRoot.appendingPathComponent("Corpora/\(file)").path
        let reader = LineReader(try openByteSource(path))
        var result: [[UInt8]] = []
        var text: [UInt8] = []
        while let (line, _) = try reader.nextLine() {
            if file.hasSuffix(".jsonl") {
                if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { result.append([]); continue }
                try JSONTextField.extract(from: line, into: &text)
                result.append(text)
            } else {
                result.append(Array(line))
            }
        }
        return result
    }
}
