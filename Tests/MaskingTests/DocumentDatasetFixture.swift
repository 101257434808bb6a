import Corpus
import Foundation
@testable import Masking
import Shards
import Tokenization

/// Writes a small document dataset (what `prep tokenize` produces) into a fresh temporary
/// directory: synthetic documents over the real vocabulary, `shards` shards, vocab copied in.
enum DocumentDatasetFixture {
    static func temporaryDirectory(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "masking-tests-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func documents(_ count: Int, seed: UInt64 = 77) -> [TokenizedDocument] {
        var r = InstanceRandom(seed: seed, streams: 0)
        return (0..<count).map { i in
            if i % 17 == 5 { return TokenizedDocument() }  // empty document
            if i % 23 == 7 { return Synthetic.document(&r, sentences: 1, wordsPerSentence: 200...260) }  // over-long sentence
            return Synthetic.document(&r, sentences: r.nextInt(in: 1...25), wordsPerSentence: 2...30)
        }
    }

    @discardableResult
    static func write(_ docs: [TokenizedDocument], shards: Int, to dir: String) throws -> DatasetManifest {
        let vocab = Synthetic.vocabulary
        try FileManager.default.copyItem(atPath: vocab.path, toPath: dir + "/vocab.txt")
        let schema = DocumentSchema.make(vocabularySize: vocab.count)
        var summaries: [ShardSummary] = []
        let per = (docs.count + shards - 1) / shards
        var record = ShardRecord(columnCount: 2)
        for s in 0..<shards {
            let w = try ShardWriter(
                path: Dataset.shardPath(in: dir, index: s), schema: schema,
                targetBlockBytes: 4096)
            for d in docs[(s * per)..<min(docs.count, (s + 1) * per)] {
                record.columns[0] = d.tokens; record.columns[1] = d.sentenceLengths
                try w.append(record)
            }
            summaries.append(try w.finish())
        }
        let size = (try FileManager.default.attributesOfItem(atPath: vocab.path)[.size] as? Int) ?? 0
        let m = DatasetManifest(
            formatVersion: DatasetManifest.currentFormatVersion, kind: "documents", schema: schema,
            config: ["command": "test fixture", "vocab_bytes": "\(size)"],
            vocab: try VocabularyFile(path: vocab.path).identity,
            shards: summaries)
        try Dataset.writeManifest(m, to: dir)
        return m
    }

    /// The mask job the job tests run over a `write(documents(300), shards: 3, ...)` dataset:
    /// dupe factor 2, 19 predictions, 34 documents per output shard (300 documents → 9 output
    /// shards; 34 does not divide 100, so units run across the 3 input shards), batches of 7
    /// documents.
    static func maskingConfiguration(
        input: String, output: String, pairs: SentencePairing, strategy: MaskingStrategy, threads: Int
    ) -> MaskingJobConfiguration {
        var c = MaskingJobConfiguration(input: input, output: output)
        c.instances.pairing = pairs
        c.instances.dupeFactor = 2
        c.masking.strategy = strategy
        c.masking.maxPredictions = 19
        c.threads = threads
        c.documentsPerShard = 34
        c.documentsPerBatch = 7
        return c
    }

    /// Every record of every shard of a dataset, in order.
    static func records(in dir: String) throws -> [ShardRecord] {
        let m = try Dataset.readManifest(in: dir)
        var out: [ShardRecord] = []
        for s in m.shards {
            let r = try ShardReader(path: dir + "/" + s.file)
            var rec = ShardRecord(columnCount: m.schema.fields.count)
            for i in 0..<r.recordCount { try r.read(i, into: &rec); out.append(rec) }
        }
        return out
    }
}
