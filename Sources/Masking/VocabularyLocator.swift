import Corpus
import Foundation
import Shards
import Tokenization

/// Finds the vocabulary a dataset was made with: `--vocab` if given, else the file the
/// manifest names, in the dataset directory (`prep mask` copies it there, so an instance
/// dataset is self-contained for `prep inspect` and the loader).
public enum VocabularyLocator {
    public static func load(
        explicit: String?, dataset: String, identity: VocabularyIdentity
    ) throws
        -> (Vocabulary, String)
    {
        let (file, path) = try locate(explicit: explicit, dataset: dataset, identity: identity)
        return (file.vocabulary, path)
    }

    /// As `load`, with the file read (for a job that stores it beside its output).
    static func locate(
        explicit: String?, dataset: String, identity: VocabularyIdentity
    ) throws -> (VocabularyFile, String) {
        let path: String
        if let explicit {
            path = explicit
        } else {
            path = (dataset as NSString).appendingPathComponent(identity.file)
            guard FileManager.default.fileExists(atPath: path) else {
                throw MaskingError.badInput(
                    path: dataset,
                    detail:
                        "the manifest's vocabulary '\(identity.file)' is not in the dataset directory; pass --vocab")
            }
        }
        let file: VocabularyFile
        do { file = try VocabularyFile(path: path) } catch {
            throw MaskingError.badInput(path: path, detail: "cannot load vocabulary: \(error)")
        }
        let vocabulary = file.vocabulary
        guard vocabulary.count == identity.size else {
            throw MaskingError.badInput(
                path: path,
                detail:
                    "vocabulary has \(vocabulary.count) tokens; the dataset in \(dataset) was made with \(identity.size)"
            )
        }
        guard identity.sha256.isEmpty || file.identity.sha256 == identity.sha256 else {
            throw MaskingError.badInput(
                path: path,
                detail:
                    "vocabulary SHA-256 \(file.identity.sha256.prefix(16))… differs from the one \(dataset) was made with (\(identity.sha256.prefix(16))…)"
            )
        }
        return (file, path)
    }
}
