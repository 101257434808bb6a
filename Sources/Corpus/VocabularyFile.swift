import Foundation
import Shards
import Tokenization

/// A vocabulary file read once: the parsed vocabulary and what a dataset manifest records
/// about the file (its name, token count and the SHA-256 of the very bytes parsed).
public struct VocabularyFile: Sendable {
    public let vocabulary: Vocabulary
    public let identity: VocabularyIdentity

    public init(path: String) throws {
        let bytes = try Vocabulary.readFile(path)
        vocabulary = try Vocabulary(fileBytes: bytes, path: path)
        identity = VocabularyIdentity(
            file: (path as NSString).lastPathComponent, size: vocabulary.count,
            sha256: SHA256Hasher.hex(of: bytes))
    }
}
