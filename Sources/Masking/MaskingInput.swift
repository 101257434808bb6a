import Corpus
import Foundation
import Shards
import Tokenization

/// The input of `prep mask`, read and checked before anything is written: a finished document
/// dataset with the two columns masking needs, its vocabulary, and the units it is cut into.
struct MaskingInput {
    /// A fixed run of documents of one input shard: what one output shard holds. Fixed by the
    /// config (not by threads) so that a re-run finds the same shards to keep.
    struct Unit {
        var inputShard: Int
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
        // Units never run across an input shard.
        var units: [Unit] = []
        var first = 0
        for (s, shard) in manifest.shards.enumerated() {
            var lo = 0
            while lo < shard.records {
                let hi = min(shard.records, lo + config.documentsPerShard)
                units.append(Unit(inputShard: s, documents: (first + lo)..<(first + hi)))
                lo = hi
            }
            first += shard.records
        }
        self.units = units
        documentCount = first
    }

    /// What the config hash needs beyond the settings: the input shards (by checksum) and the
    /// vocabulary, in this order.
    var identities: [(key: String, value: String)] {
        [
            (
                "input",
                manifest.shards.map { "\($0.file):\($0.records):\($0.bytes):\($0.xxh64)" }.joined(separator: ",")
            ),
            ("vocab", "\(manifest.vocab.sha256):\(vocabulary.count)"),
        ]
    }

    /// A store of the input's documents, read through the shard index (see `DocumentStore`).
    func store(cacheBlocks: Int) -> DocumentStore {
        DocumentStore(
            directory: directory, manifest: manifest, tokenColumn: tokenColumn,
            sentenceColumn: sentenceColumn, cacheBlocks: cacheBlocks)
    }
}
