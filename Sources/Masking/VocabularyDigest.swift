import Shards
import Tokenization

extension VocabularyLocator {
    /// The vocabulary must be the very file the dataset was made with: same SHA-256.
    static func checkDigest(_ vocabulary: Vocabulary, path: String, identity: VocabularyIdentity, dataset: String) throws {
        guard identity.sha256.isEmpty || vocabulary.sha256 == identity.sha256 else {
            throw MaskingError.badInput(path: path, detail:
                "vocabulary SHA-256 \(vocabulary.sha256.prefix(16))… differs from the one \(dataset) was made with (\(identity.sha256.prefix(16))…)")
        }
    }
}
