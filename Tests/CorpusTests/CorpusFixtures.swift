import Foundation
import Tokenization

/// Paths and a cached tokenizer for the corpus job tests.
enum Fixtures {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func vocabPath(_ name: String) -> String {
        packageRoot.appendingPathComponent("Vocab/\(name)/vocab.txt").path
    }

    nonisolated(unsafe) private static var tokenizers: [String: BertTokenizer] = [:]
    private static let lock = NSLock()

    static func tokenizer(_ name: String, lowercase: Bool) throws -> BertTokenizer {
        lock.lock(); defer { lock.unlock() }
        let key = "\(name)-\(lowercase)"
        if let t = tokenizers[key] { return t }
        var o = NormalizerOptions()
        o.lowercase = lowercase
        let t = BertTokenizer(vocabulary: try Vocabulary(path: vocabPath(name)), normalizer: o)
        tokenizers[key] = t
        return t
    }
}
