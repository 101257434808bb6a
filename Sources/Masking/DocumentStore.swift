import Foundation
import Shards

/// Documents of the input dataset by global index, read through the shard index, so the
/// corpus never sits in memory.
///
/// Two uses: each worker has its own store for the documents it turns into instances (read in
/// order, a small block cache), and all workers share one store for NSP's random next segments
/// (uniform over the whole dataset, so a larger block cache, bounded by `cacheBlocks`, spares
/// most of the block decompressions a random read otherwise costs). `ShardReader` serialises
/// reads through one reader with its own lock; opening readers is guarded here.
final class DocumentStore: @unchecked Sendable {
    let directory: String
    let manifest: DatasetManifest
    /// `firstDocument[s]`: global index of shard s's first document; one extra entry at the end.
    let firstDocument: [Int]
    let tokenColumn: Int
    let sentenceColumn: Int
    let cacheBlocks: Int
    private var readers: [ShardReader?]
    private let lock = NSLock()
    /// Used by `read(_:into:)` only, i.e. by a store that belongs to one thread.
    private var record = ShardRecord(columnCount: 0)

    init(directory: String, manifest: DatasetManifest, tokenColumn: Int, sentenceColumn: Int, cacheBlocks: Int) {
        self.directory = directory
        self.manifest = manifest
        var first = [0]
        for s in manifest.shards { first.append(first.last! + s.records) }
        firstDocument = first
        self.tokenColumn = tokenColumn
        self.sentenceColumn = sentenceColumn
        self.cacheBlocks = cacheBlocks
        readers = Array(repeating: nil, count: manifest.shards.count)
        record = ShardRecord(columnCount: manifest.schema.fields.count)
    }

    var documentCount: Int { firstDocument.last! }

    func shardPath(_ s: Int) -> String { (directory as NSString).appendingPathComponent(manifest.shards[s].file) }

    /// Shard holding global document `index`, and the index within it.
    func locate(_ index: Int) -> (shard: Int, record: Int) {
        var lo = 0, hi = manifest.shards.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if firstDocument[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return (lo, index - firstDocument[lo])
    }

    func reader(_ s: Int) throws -> ShardReader {
        lock.lock()
        defer { lock.unlock() }
        if let r = readers[s] { return r }
        let summary = manifest.shards[s]
        let r = try ShardReader(path: shardPath(s), summary: summary, cacheBlocks: cacheBlocks)
        guard r.recordCount == summary.records else {
            throw ShardError.invalidDataset(
                path: shardPath(s),
                detail:
                    "shard has \(r.recordCount) records, the manifest says \(summary.records)")
        }
        guard r.schema == manifest.schema else {
            throw ShardError.schemaMismatch(path: shardPath(s), detail: "shard schema differs from the manifest's")
        }
        readers[s] = r
        return r
    }

    /// Closes every reader: unmaps the input read so far, so resident memory does not grow
    /// with the input (called between output shards).
    func release() {
        lock.lock()
        readers = Array(repeating: nil, count: readers.count)
        lock.unlock()
    }

    /// Reads global document `index` into `document` with the caller's scratch record.
    func read(_ index: Int, into document: inout TokenizedDocument, scratch: inout ShardRecord) throws {
        let (s, i) = locate(index)
        try reader(s).read(i, into: &scratch)
        swap(&document.tokens, &scratch.columns[tokenColumn])
        swap(&document.sentenceLengths, &scratch.columns[sentenceColumn])
    }

    /// Token buffers above this capacity are not kept for reuse by batch reads (see `read(_:into:scratch:)`).
    static let keptCapacity = 1 << 20

    /// Reads global documents `range` into `documents[0..<range.count]` (grown as needed,
    /// storage reused) with the caller's scratch records: one lock per input shard touched
    /// instead of two per document (see `ShardReader.read(_:into:)` with a range).
    func read(_ range: Range<Int>, into documents: inout [TokenizedDocument], scratch: inout [ShardRecord]) throws {
        while documents.count < range.count { documents.append(TokenizedDocument()) }
        var lo = range.lowerBound
        while lo < range.upperBound {
            let (s, i) = locate(lo)
            let hi = min(range.upperBound, firstDocument[s + 1])
            try reader(s).read(i..<(i + hi - lo), into: &scratch, prefetch: true)
            for k in 0..<(hi - lo) {
                let d = lo - range.lowerBound + k
                swap(&documents[d].tokens, &scratch[k].columns[tokenColumn])
                swap(&documents[d].sentenceLengths, &scratch[k].columns[sentenceColumn])
                if scratch[k].columns[tokenColumn].capacity > Self.keptCapacity { scratch[k].columns[tokenColumn] = [] }
            }
            lo = hi
        }
    }

    /// Runs `body` on global document `index` in place in its decompressed block, under the
    /// shard reader's lock (NSP's random next segment copies a few sentences of it).
    func withDocument(_ index: Int, _ body: (DocumentView) throws -> Bool) throws -> Bool {
        let (s, i) = locate(index)
        let tokenColumn = self.tokenColumn, sentenceColumn = self.sentenceColumn
        return try reader(s).withRecord(i) { record in
            try body(DocumentView(tokens: record.column(tokenColumn), sentenceLengths: record.column(sentenceColumn)))
        }
    }

    /// Single-thread convenience: the store's own scratch record.
    func read(_ index: Int, into document: inout TokenizedDocument) throws {
        try read(index, into: &document, scratch: &record)
    }
}
