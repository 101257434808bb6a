import Foundation
import Shards
import Tokenization

/// A vocabulary file read once: the parsed vocabulary and what a dataset manifest records
/// about the file (its name, token count and the SHA-256 of the very bytes parsed).
public struct VocabularyFile: Sendable {
    public let vocabulary: Vocabulary
    public let identity: VocabularyIdentity
    /// The bytes parsed, kept so that a dataset stores exactly what its digest names without
    /// reading the file a second time.
    let bytes: [UInt8]

    public init(path: String) throws {
        let bytes = try Vocabulary.readFile(path)
        self.bytes = bytes
        vocabulary = try Vocabulary(fileBytes: bytes, path: path)
        identity = VocabularyIdentity(
            file: (path as NSString).lastPathComponent, size: vocabulary.count,
            sha256: SHA256Hasher.hex(of: bytes))
    }
}

extension VocabularyFile {
    /// Stores the vocabulary in a dataset being written, as `name` (the file name its manifest
    /// records), unless `path`, where it was read from, already is that file.
    public func store(
        readFrom path: String, as name: String, in output: ResumableShardedOutput<some Codable & Sendable>
    ) throws {
        let destination = (output.directory as NSString).appendingPathComponent(name)
        guard (path as NSString).standardizingPath != (destination as NSString).standardizingPath else { return }
        try output.writeFile(named: name, contents: Data(bytes))
    }
}
