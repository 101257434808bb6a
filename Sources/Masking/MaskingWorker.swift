import Foundation
import Shards
import Tokenization

/// A worker's own builder and scratch document, and the stores it reads through.
final class WorkerContext: @unchecked Sendable {
    let config: MaskingJobConfiguration
    var builder: InstanceBuilder
    let store: DocumentStore
    let randomStore: DocumentStore
    let randomFile: RandomDocumentFile?
    let randomScratch = ScratchBuffer()
    /// The batch's documents, read from the shared `store` in one go (its lock taken once per
    /// batch, not per document), and the scratch records they are decoded into.
    var documents: [TokenizedDocument] = []
    var documentScratch: [ShardRecord] = []

    init(
        config: MaskingJobConfiguration, vocabulary: Vocabulary, store: DocumentStore, randomStore: DocumentStore,
        randomFile: RandomDocumentFile?
    ) {
        self.config = config
        self.randomFile = randomFile
        self.store = store
        self.randomStore = randomStore
        builder = InstanceBuilder(
            options: config.instances, masking: config.masking, vocabulary: vocabulary,
            seed: config.seed)
    }

    /// Builds the instances of `documents` and encodes them into the slot's records (`slot.batch`
    /// is scratch: it holds one document's instances at a time).
    func fill(_ slot: BatchSlot, documents: Range<Int>, documentCount: Int) {
        slot.batch.removeAll()
        slot.records.removeAll()
        slot.statistics = InstanceStatistics()
        slot.error = nil
        let store = self.store, randomStore = self.randomStore, randomFile = self.randomFile
        let randomScratch = self.randomScratch
        do {
            try store.read(documents, into: &self.documents, scratch: &documentScratch)
            for d in documents {
                let document = self.documents[d - documents.lowerBound]
                for c in 0..<config.instances.dupeFactor {
                    try builder.build(
                        document, index: d, copy: c, documentCount: documentCount,
                        viewer: { i, body in
                            if let randomFile { return try randomFile.withDocument(i, scratch: randomScratch, body) }
                            return try randomStore.withDocument(i, body)
                        },
                        into: &slot.batch, statistics: &slot.statistics)
                }
                // Encoded document by document, while its instances are still in the cache (the
                // records' bytes are the same as encoding the whole batch at the end).
                try Self.encode(slot.batch, into: slot.records)
                slot.batch.removeAll()
            }
            Self.trim(&self.documents)
        } catch let defect as DocumentDefect {
            let (s, i) = store.locate(defect.document)
            slot.error = MaskingError.corruptDocument(path: store.shardPath(s), record: i, detail: defect.detail)
        } catch {
            slot.error = MaskingJob.wrap(error)
        }
    }

    /// Drops the storage of giant documents (over 1 M tokens), so that the 64 kept buffers hold
    /// ordinary documents: memory stays bounded by one giant document, not 64 of them.
    static func trim(_ documents: inout [TokenizedDocument]) {
        for k in documents.indices where documents[k].tokens.capacity > DocumentStore.keptCapacity {
            documents[k] = TokenizedDocument()
        }
    }

    /// The batch's instances as `InstanceSchema` records, straight from its flat columns.
    static func encode(_ b: InstanceBatch, into records: EncodedRecords) throws {
        let pairs = records.schema.fields.count > 3
        try b.inputIDs.withUnsafeBufferPointer { ids in
            try b.maskedPositions.withUnsafeBufferPointer { positions in
                try b.maskedLabels.withUnsafeBufferPointer { labels in
                    try b.nextSentenceLabels.withUnsafeBufferPointer { pairLabels in
                        try b.segmentBStarts.withUnsafeBufferPointer { bStarts in
                            for i in 0..<b.count {
                                let t = b.tokenRange(i), m = b.maskRange(i)
                                try records.append(column: UnsafeBufferPointer(rebasing: ids[t]))
                                try records.append(column: UnsafeBufferPointer(rebasing: positions[m]))
                                try records.append(column: UnsafeBufferPointer(rebasing: labels[m]))
                                if pairs {
                                    try records.append(column: UnsafeBufferPointer(rebasing: pairLabels[i..<(i + 1)]))
                                    try records.append(column: UnsafeBufferPointer(rebasing: bStarts[i..<(i + 1)]))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
