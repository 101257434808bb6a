import Foundation
import Tokenization

/// Paths and a cached tokenizer for the corpus job tests.
enum Fixtures {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A fresh directory under the system's temporary one, unique to this process and call.
    static func makeTemporaryDirectory(prefix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `bytes` to `name` inside `directory` and returns the file's path.
    static func write(_ bytes: [UInt8], named name: String, in directory: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

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
