import Corpus
import Foundation
import Shards
import XCTest

/// A small instance dataset for the ABI tests: `records` instances over two shards, with
/// static masks at positions 1 and 3 and segment B after the middle token.
enum ABIDataset {
    static let vocabularyPath =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/Vocab/bert-base-uncased/vocab.txt"

    static func instance(_ i: Int) -> [UInt32] {
        [101] + (0..<(8 + i % 13)).map { UInt32(2000 + ($0 * 31 + i * 17) % 20000) } + [102]
    }

    static func write(records: Int, in test: XCTestCase) throws -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("abi-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let vocabulary = try VocabularyFile(path: vocabularyPath)
        let schema = InstanceSchema.make(vocabularySize: 30522)
        var summaries: [ShardSummary] = []
        var i = 0
        for s in 0..<2 {
            let w = try ShardWriter(path: Dataset.shardPath(in: dir, index: s), schema: schema, targetBlockBytes: 512)
            while i < records * (s + 1) / 2 {
                var ids = instance(i)
                var r = ShardRecord(columnCount: schema.fields.count)
                r.columns[schema.index(of: "segment_b_start")!] = [UInt32(ids.count / 2 + 1)]
                r.columns[schema.index(of: "masked_positions")!] = [1, 3]
                r.columns[schema.index(of: "masked_labels")!] = [ids[1], ids[3]]
                ids[1] = 103; ids[3] = 103
                r.columns[schema.index(of: "input_ids")!] = ids
                try w.append(r)
                i += 1
            }
            summaries.append(try w.finish())
        }
        try FileManager.default.copyItem(atPath: vocabularyPath, toPath: dir + "/vocab.txt")
        try Dataset.writeManifest(
            DatasetManifest(
                formatVersion: DatasetManifest.currentFormatVersion, kind: "instances", schema: schema,
                config: [:], vocab: vocabulary.identity, shards: summaries), to: dir)
        return dir
    }
}
