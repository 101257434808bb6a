import Corpus
import Foundation
import XCTest
import Shards
import Tokenization

enum Fixture {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let vocabularyPath = repositoryRoot + "/Vocab/bert-base-uncased/vocab.txt"
    static let vocabulary = try! Vocabulary(path: vocabularyPath)
}

/// A fresh directory removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("loading-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

/// One unmasked instance: [CLS] words [SEP], deterministic in `i`.
func unmaskedInstance(_ i: Int) -> [UInt32] {
    let n = 10 + (i * 7919) % 50
    return [101] + (0..<n).map { UInt32(2000 + ($0 * 31 + i * 17) % 20000) } + [102]
}

/// Writes an instance dataset of `records` instances over `shards` shards. With
/// `staticMasks`, positions 1 and 3 of each instance are replaced by [MASK] (103). Segment B
/// starts after the middle token; `legacyLayout` stores it as instance layout 1 did (one
/// `segment_ids` value per token) instead of layout 2's `segment_b_start`.
@discardableResult
func writeInstanceDataset(
    at dir: String, records: Int, shards: Int, staticMasks: Bool = true,
    blockBytes: Int = 2048, legacyLayout: Bool = false
) throws -> DatasetManifest {
    let vocab = Fixture.vocabulary
    let schema = legacyLayout ? legacyInstanceSchema : InstanceSchema.make(vocabularySize: vocab.count)
    var summaries: [ShardSummary] = []
    var i = 0
    for s in 0..<shards {
        let w = try ShardWriter(
            path: Dataset.shardPath(in: dir, index: s), schema: schema, targetBlockBytes: blockBytes)
        let end = records * (s + 1) / shards
        while i < end {
            var ids = unmaskedInstance(i)
            var r = ShardRecord(columnCount: schema.fields.count)
            if legacyLayout {
                r.columns[schema.index(of: "segment_ids")!] = ids.indices.map { $0 > ids.count / 2 ? 1 : 0 }
            } else {
                r.columns[schema.index(of: "segment_b_start")!] = [UInt32(ids.count / 2 + 1)]
            }
            if staticMasks {
                r.columns[schema.index(of: "masked_positions")!] = [1, 3]
                r.columns[schema.index(of: "masked_labels")!] = [ids[1], ids[3]]
                ids[1] = 103; ids[3] = 103
            }
            r.columns[schema.index(of: "input_ids")!] = ids
            try w.append(r)
            i += 1
        }
        summaries.append(try w.finish())
    }
    let m = DatasetManifest(
        formatVersion: DatasetManifest.currentFormatVersion, kind: "instances", schema: schema,
        config: ["test": "loader"],
        vocab: try copyVocabulary(into: dir),
        shards: summaries)
    try Dataset.writeManifest(m, to: dir)
    return m
}

/// Puts the test vocabulary into a dataset directory, as `prep tokenize`/`prep mask` do.
func copyVocabulary(into dir: String) throws -> VocabularyIdentity {
    try FileManager.default.copyItem(atPath: Fixture.vocabularyPath, toPath: dir + "/vocab.txt")
    return try VocabularyFile(path: Fixture.vocabularyPath).identity
}

/// Instance layout 1 (`prep mask` before layout 2): per-token `segment_ids`, uint16 positions.
let legacyInstanceSchema = ShardSchema([
    ShardField("input_ids", .uint16), ShardField("segment_ids", .uint8), ShardField("masked_positions", .uint16),
    ShardField("masked_labels", .uint16), ShardField("next_sentence_label", .uint8),
])
