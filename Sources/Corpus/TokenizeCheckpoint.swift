// Resuming `prep tokenize`. After each finished shard the job records, in
// `DIR/.tokenize-checkpoint.json` (written atomically), how many input chunks the finished
// shards cover. A re-run with the same settings and the same input files (path, size,
// mtime) verifies those shards completely, skips their chunks without tokenizing them, and
// continues with the next shard; the result is byte-identical to an uninterrupted run.
import Foundation
import Tokenization
import Shards

struct TokenizeCheckpoint: Codable, Equatable {
    static let fileName = ".tokenize-checkpoint.json"
    /// SHA-256 of everything that determines the output bytes.
    var configSHA256: String
    var chunks: Int
    var documents: Int
    var sentences: Int
    var tokens: Int
    var inputBytes: Int
    var shards: [ShardSummary]

    static func path(in directory: String) -> String { (directory as NSString).appendingPathComponent(fileName) }

    static func load(in directory: String) -> TokenizeCheckpoint? {
        guard let data = FileManager.default.contents(atPath: path(in: directory)) else { return nil }
        return try? JSONDecoder().decode(TokenizeCheckpoint.self, from: data)
    }

    func save(in directory: String) throws {
        let final = Self.path(in: directory)
        let temp = final + ".tmp-\(getpid())"
        let data = try JSONEncoder().encode(self)
        guard FileManager.default.createFile(atPath: temp, contents: data) else {
            throw TokenizationError.output(path: temp, detail: "cannot write checkpoint")
        }
        let fd = open(temp, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(temp, final) == 0 else {
            unlink(temp)
            throw TokenizationError.output(path: final, detail: "cannot write checkpoint: \(String(cString: strerror(errno)))")
        }
    }

    static func remove(in directory: String) { unlink(path(in: directory)) }

    /// A configuration hash from the settings and the identity of every input file.
    static func configHash(settings: [String: String], inputs: [String]) -> String {
        var text = settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        for input in inputs {
            let attributes = try? FileManager.default.attributesOfItem(atPath: input)
            let size = (attributes?[.size] as? Int) ?? -1
            let mtime = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            text += "\ninput=\((input as NSString).standardizingPath) size=\(size) mtime=\(mtime)"
        }
        return SHA256Hasher.hex(of: Array(text.utf8))
    }
}
