import Corpus
import Foundation
import Shards
import Tokenization

/// The input of `prep mask`, read and checked before anything is written: a finished document
/// dataset with the two columns masking needs, its vocabulary, and the units it is cut into.
struct MaskingInput {
    /// A fixed run of documents: what one output shard holds. Fixed by the config (not by
    /// threads) so that a re-run finds the same shards to keep, and by the document stream only
    /// (not by where the input's shards begin and end), so a merged tokenize dataset masks into
    /// the single run's files.
    struct Unit {
        var documents: Range<Int>  // global indices
    }

    let directory: String
    let manifest: DatasetManifest
    let tokenColumn: Int
    let sentenceColumn: Int
    let vocabularyFile: VocabularyFile
    let vocabularyPath: String
    var vocabulary: Vocabulary { vocabularyFile.vocabulary }
    let units: [Unit]
    let documentCount: Int

    init(_ config: MaskingJobConfiguration) throws {
        directory = config.input
        do { manifest = try Dataset.readManifest(in: config.input) } catch let e as ShardError {
            throw MaskingError.badInput(path: config.input, detail: "not a tokenized dataset: \(e)")
        }
        guard manifest.kind == "documents" else {
            throw MaskingError.badInput(
                path: config.input,
                detail:
                    "manifest kind is '\(manifest.kind)', expected 'documents' (the output of prep tokenize)")
        }
        guard let tokens = manifest.schema.index(of: DocumentSchema.Column.tokenIDs),
            let sentences = manifest.schema.index(of: DocumentSchema.Column.sentenceLengths)
        else {
            throw MaskingError.badInput(
                path: config.input,
                detail:
                    "schema lacks \(DocumentSchema.Column.tokenIDs) / \(DocumentSchema.Column.sentenceLengths) (has \(manifest.schema.fields.map(\.name)))"
            )
        }
        (tokenColumn, sentenceColumn) = (tokens, sentences)
        (vocabularyFile, vocabularyPath) = try VocabularyLocator.locate(
            explicit: config.vocabulary, dataset: config.input,
            identity: manifest.vocab)
        let special = vocabularyFile.vocabulary.special
        for (name, id) in [
            ("[MASK]", special.mask), ("[CLS]", special.classifier),
            ("[SEP]", special.separator),
        ] where id == nil {
            throw MaskingError.badInput(path: vocabularyPath, detail: "vocabulary has no \(name) token")
        }
        // Global runs of documents: a unit may span input shards (DocumentStore reads across them).
        let count = manifest.totalRecords, perShard = config.documentsPerShard
        documentCount = count
        units = stride(from: 0, to: count, by: perShard).map { Unit(documents: $0..<min(count, $0 + perShard)) }
        if let text = manifest.config[TokenizeJob.digestKey] {
            guard let digest = DocumentStreamDigest(parsing: text), digest.documents == documentCount else {
                // Most likely a shard that is not the one the manifest lists: name it (its reader
                // checks that on open) rather than the digest.
                for shard in manifest.shards {
                    let path = (config.input as NSString).appendingPathComponent(shard.file)
                    do { _ = try ShardReader(path: path, summary: shard, cacheBlocks: 1) } catch let e as ShardError {
                        throw MaskingError.shard(e)
                    }
                }
                throw MaskingError.badInput(
                    path: config.input,
                    detail:
                        "manifest's \(TokenizeJob.digestKey) \(text) does not describe its \(documentCount) documents")
            }
            contentIdentity = "documents \(text)"
        } else {
            // Written before tokenize recorded the digest: the shards (by checksum) identify it.
            contentIdentity = manifest.shards.map { "\($0.file):\($0.records):\($0.bytes):\($0.xxh64)" }.joined(
                separator: ",")
        }
    }

    /// The documents' identity: their stream digest, the same however the dataset is sharded
    /// (a merged tokenize dataset and the single run's agree), or for an older dataset without
    /// one its shards' checksums.
    let contentIdentity: String

    /// What the config hash needs beyond the settings: the documents and the vocabulary, in this order.
    var identities: [(key: String, value: String)] {
        [("input", contentIdentity), ("vocab", "\(manifest.vocab.sha256):\(vocabulary.count)")]
    }

    /// A store of the input's documents, read through the shard index (see `DocumentStore`).
    func store(cacheBlocks: Int) -> DocumentStore {
        DocumentStore(
            directory: directory, manifest: manifest, tokenColumn: tokenColumn,
            sentenceColumn: sentenceColumn, cacheBlocks: cacheBlocks)
    }
}
