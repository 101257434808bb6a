import Foundation
import Shards
import Masking
import Tokenization

/// Reads the manifests of the requested datasets, checks they can be mixed (same
/// vocabulary), and builds one record source per dataset. Shards themselves are opened
/// later, when a block of theirs is first read.
struct OpenedDatasets {
    var sources: [RecordSource] = []
    var vocabulary: Vocabulary?
    var vocabularySize = 0
    var padID: UInt32 = 0
    var masker: Masker?

    init(directories: [String], options: LoaderOptions) throws {
        var manifests: [DatasetManifest] = []
        for dir in directories {
            do {
                manifests.append(try Dataset.readManifest(in: dir))
            } catch let error as ShardError {
                throw LoaderError.reported(error.description)
            } catch {
                throw LoaderError.badDataset(path: dir, detail: "cannot read \(Dataset.manifestName): \(error)")
            }
        }
        let first = manifests[0]
        for (dir, m) in zip(directories, manifests) where m.vocab.sha256 != first.vocab.sha256 {
            throw LoaderError.badDataset(
                path: dir,
                detail:
                    "vocabulary \(m.vocab.file) (sha256 \(m.vocab.sha256.prefix(12))…) differs from \(directories[0])'s; datasets mixed together must share one vocabulary"
            )
        }
        vocabularySize = first.vocab.size
        let needsDocuments = manifests.contains { $0.kind == "documents" }
        if needsDocuments && options.masking == nil {
            throw LoaderError.invalidOptions("document datasets need dynamic masking (--mask)")
        }
        vocabulary = try Self.loadVocabulary(
            options: options, manifest: first, directory: directories[0],
            required: options.masking != nil)
        if let vocabulary {
            padID = vocabulary.special.padding ?? 0
            if let masking = options.masking { masker = Masker(options: masking, vocabulary: vocabulary) }
        }
        for (dir, m) in zip(directories, manifests) {
            switch m.kind {
            case "instances":
                sources.append(
                    try InstanceShardSource(
                        directory: dir, manifest: m, maxBlockRecords: options.blockRecords,
                        skipCorrupt: options.skipCorrupt))
            case "documents":
                guard let vocabulary, let masking = options.masking else {
                    throw LoaderError.invalidOptions("document datasets need dynamic masking and a vocabulary")
                }
                sources.append(
                    try DocumentShardSource(
                        directory: dir, manifest: m, vocabulary: vocabulary,
                        instances: options.documentInstances, masking: masking,
                        seed: options.seed, maxBlockRecords: options.blockRecords,
                        skipCorrupt: options.skipCorrupt))
            default:
                throw LoaderError.badDataset(
                    path: dir, detail: "unknown dataset kind \"\(m.kind)\" in \(Dataset.manifestName)")
            }
        }
    }

    /// The dataset's vocabulary (`--vocab`, else the copy `prep mask`/`prep tokenize` keep in
    /// the dataset directory), checked against the manifest's size and SHA-256. Without
    /// masking it only supplies the [PAD] id, so a missing one is not an error then.
    private static func loadVocabulary(
        options: LoaderOptions, manifest: DatasetManifest, directory: String,
        required: Bool
    ) throws -> Vocabulary? {
        do {
            return try VocabularyLocator.load(
                explicit: options.vocabularyPath, dataset: directory,
                identity: manifest.vocab
            ).0
        } catch let error as MaskingError {
            if required { throw LoaderError.reported(error.description) }
            return nil
        }
    }
}
