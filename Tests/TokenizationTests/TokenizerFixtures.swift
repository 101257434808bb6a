import Foundation
import XCTest
@testable import Tokenization
@testable import Corpus

/// Paths and cached tokenizers shared by the fixture-driven tests.
enum Fixtures {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func vocabPath(_ name: String) -> String {
        packageRoot.appendingPathComponent("Vocab/\(name)/vocab.txt").path
    }

    static func fixture(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)
            ?? packageRoot.appendingPathComponent("Tests/TokenizationTests/Fixtures/\(name)")
    }

    nonisolated(unsafe) private static var vocabularies: [String: Vocabulary] = [:]
    nonisolated(unsafe) private static var tokenizers: [String: BertTokenizer] = [:]
    private static let lock = NSLock()

    static func vocabulary(_ name: String) throws -> Vocabulary {
        lock.lock(); defer { lock.unlock() }
        if let v = vocabularies[name] { return v }
        let v = try Vocabulary(path: vocabPath(name))
        vocabularies[name] = v
        return v
    }

    static func tokenizer(_ name: String, lowercase: Bool) throws -> BertTokenizer {
        let v = try vocabulary(name)
        lock.lock(); defer { lock.unlock() }
        let key = "\(name)-\(lowercase)"
        if let t = tokenizers[key] { return t }
        var o = NormalizerOptions()
        o.lowercase = lowercase
        let t = BertTokenizer(vocabulary: v, normalizer: o)
        tokenizers[key] = t
        return t
    }

    /// Lines of a JSONL fixture (optionally zstd-compressed), header checked and dropped.
    static func rows(_ name: String) throws -> [[String: Any]] {
        let reader = LineReader(try openByteSource(fixture(name).path))
        var rows: [[String: Any]] = []
        var sawHeader = false
        while let (line, _) = try reader.nextLine() {
            if line.isEmpty { continue }
            let object = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            if object["fixture_header"] as? Bool == true {
                XCTAssertEqual(
                    object["tokenizers"] as? String, "0.23.3", "\(name): fixture from another reference version")
                sawHeader = true
                continue
            }
            rows.append(object)
        }
        XCTAssertTrue(sawHeader, "\(name) has no header line")
        return rows
    }
}

extension Array where Element == UInt32 {
    var asInts: [Int] { map(Int.init) }
}
