import Foundation
import Shards
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

    /// All records of a document dataset directory: (token ids, sentence lengths).
    static func documentRecords(in out: String) throws -> [([UInt32], [UInt32])] {
        let manifest = try Dataset.readManifest(in: out)
        var result: [([UInt32], [UInt32])] = []
        for shard in manifest.shards {
            let reader = try ShardReader(path: (out as NSString).appendingPathComponent(shard.file))
            var r = ShardRecord(columnCount: 2)
            for i in 0..<reader.recordCount {
                try reader.read(i, into: &r)
                result.append((r.columns[0], r.columns[1]))
            }
        }
        return result
    }

    /// Runs a command-line tool (a set-up dependency such as gzip or zstd) and waits for it.
    static func runTool(_ arguments: [String], stdout: String? = nil) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        if let stdout {
            FileManager.default.createFile(atPath: stdout, contents: nil)
            p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        }
        try p.run(); p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(
                domain: "runTool", code: Int(p.terminationStatus),
                userInfo: [NSLocalizedDescriptionKey: "\(arguments) failed"])
        }
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
