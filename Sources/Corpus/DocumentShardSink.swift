// Writes tokenized documents as `DocumentSchema` records into numbered shards. A shard
// is closed at the end of the chunk in which it reached `shardTokens` tokens, so every
// shard holds whole chunks: that is what lets an interrupted run resume after the last
// finished shard (see `TokenizeJob`).
import Foundation
import Tokenization
import Shards

/// Receives documents in order and writes them as shards of a dataset directory.
final class DocumentShardSink {
    let directory: String
    let schema: ShardSchema
    let metadata: [String: String]
    let shardTokens: Int
    private(set) var summaries: [ShardSummary] = []
    private(set) var documents = 0
    private(set) var sentences = 0
    private(set) var tokens = 0
    /// Of every document written so far (resumed runs start from the journal's).
    private(set) var digest: DocumentStreamDigest
    private var writer: ShardWriter?
    private var writerTokens = 0
    private var record: ShardRecord

    init(
        directory: String, vocabularySize: Int, metadata: [String: String], shardTokens: Int = 128 << 20,
        resumingAfter finished: [ShardSummary] = [], counts: (documents: Int, sentences: Int, tokens: Int) = (0, 0, 0),
        digest: DocumentStreamDigest = DocumentStreamDigest()
    ) {
        self.digest = digest
        self.directory = directory
        summaries = finished
        (documents, sentences, tokens) = counts
        self.schema = DocumentSchema.make(vocabularySize: vocabularySize)
        self.metadata = metadata
        self.shardTokens = max(shardTokens, 1)
        record = ShardRecord(columnCount: 2)
    }

    /// Writes the documents of `chunk`; returns the summary of a shard it completed.
    @discardableResult
    func write(_ chunk: TokenizedChunk) throws -> ShardSummary? {
        var tokenStart = 0
        var sentence = 0
        for count in chunk.documentSentenceCounts {
            var n = 0
            for s in sentence..<(sentence + count) { n += Int(chunk.sentenceLengths[s]) }
            record.removeAll()
            record.columns[0].append(contentsOf: chunk.tokens[tokenStart..<(tokenStart + n)])
            record.columns[1].append(contentsOf: chunk.sentenceLengths[sentence..<(sentence + count)])
            record.columns[0].withUnsafeBufferPointer { ids in
                record.columns[1].withUnsafeBufferPointer { digest.append(tokens: ids, sentenceLengths: $0) }
            }
            try append(record, tokens: n)
            documents += 1
            sentences += count
            tokens += n
            tokenStart += n
            sentence += count
        }
        guard writer != nil, writerTokens >= shardTokens else { return nil }
        try closeShard()
        return summaries.last
    }

    private func append(_ record: ShardRecord, tokens n: Int) throws {
        if writer == nil {
            let path = Dataset.shardPath(in: directory, index: summaries.count)
            writer = try ShardWriter(path: path, schema: schema, metadata: metadata)
            writerTokens = 0
        }
        try writer!.append(record)
        writerTokens += n
    }

    private func closeShard() throws {
        guard let w = writer else { return }
        writer = nil
        summaries.append(try w.finish())
    }

    /// Finishes the last shard; returns every shard's summary.
    func finish() throws -> [ShardSummary] {
        try closeShard()
        return summaries
    }

    /// Drops the open shard's temporary file (on error).
    func abandon() {
        writer?.abandon()
        writer = nil
    }
}
