import Shards

/// Documents of the input dataset by global index, read through the shard index: NSP's
/// random next segment costs one block read, and the corpus never sits in memory.
/// One store per thread (readers are cheap: an mmap and an index check).
final class DocumentStore {
    let directory: String
    let manifest: DatasetManifest
    /// `firstDocument[s]`: global index of shard s's first document; one extra entry at the end.
    let firstDocument: [Int]
    let tokenColumn: Int
    let sentenceColumn: Int
    private var readers: [ShardReader?]
    private var openOrder: [Int] = []
    private var record = ShardRecord(columnCount: 0)
    /// Readers kept open at once: random access touches every shard, memory must not.
    private let maxOpen = 16

    init(directory: String, manifest: DatasetManifest, tokenColumn: Int, sentenceColumn: Int) {
        self.directory = directory
        self.manifest = manifest
        var first = [0]
        for s in manifest.shards { first.append(first.last! + s.records) }
        firstDocument = first
        self.tokenColumn = tokenColumn
        self.sentenceColumn = sentenceColumn
        readers = Array(repeating: nil, count: manifest.shards.count)
        record = ShardRecord(columnCount: manifest.schema.fields.count)
    }

    var documentCount: Int { firstDocument.last! }

    func shardPath(_ s: Int) -> String { directory + "/" + manifest.shards[s].file }

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
        if let r = readers[s] { return r }
        let summary = manifest.shards[s]
        let r = try ShardReader(path: shardPath(s), expectedBytes: summary.bytes, cacheBlocks: 2)
        guard r.recordCount == summary.records else {
            throw ShardError.invalidDataset(path: shardPath(s), detail:
                "shard has \(r.recordCount) records, the manifest says \(summary.records)")
        }
        guard r.schema == manifest.schema else {
            throw ShardError.schemaMismatch(path: shardPath(s), detail: "shard schema differs from the manifest's")
        }
        readers[s] = r
        openOrder.append(s)
        if openOrder.count > maxOpen { readers[openOrder.removeFirst()] = nil }
        return r
    }

    /// Reads global document `index` into `document`, reusing its storage.
    func read(_ index: Int, into document: inout TokenizedDocument) throws {
        let (s, i) = locate(index)
        try reader(s).read(i, into: &record)
        swap(&document.tokens, &record.columns[tokenColumn])
        swap(&document.sentenceLengths, &record.columns[sentenceColumn])
    }
}
