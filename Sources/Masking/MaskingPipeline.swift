import Foundation
import Shards

/// The worker side of `prep mask`: `threads` threads turn batches of documents into encoded
/// instance records, in any order, into a ring of slots; the calling thread takes the slots in
/// batch order and hands the records to the shard writers.
///
/// A continuous pipeline rather than waves: a worker takes the next batch as soon as it is
/// done with one (up to `slots.count` batches ahead of the writer, which bounds memory), across
/// output-shard boundaries, so no core waits for the slowest batch of a wave or for a shard's
/// fsync. Barriers between waves and at shard ends cost ~20% of the wall time before.
final class MaskingPipeline: @unchecked Sendable {
    /// One batch of documents: the output unit (shard) it belongs to and its global document range.
    struct Task { var unit: Int; var documents: Range<Int> }

    let tasks: [Task]
    private let slots: [BatchSlot]
    private let contexts: [WorkerContext]
    private let documentCount: Int
    private let condition = NSCondition()
    private var nextFill = 0
    private var nextCommit = 0
    private var cancelled = false
    private var running = 0

    init(tasks: [Task], contexts: [WorkerContext], slots: Int, documentCount: Int, schema: ShardSchema, path: String) {
        self.tasks = tasks
        self.contexts = contexts
        self.documentCount = documentCount
        self.slots = (0..<max(slots, 1)).map { _ in BatchSlot(schema: schema, path: path) }
    }

    func start() {
        guard !tasks.isEmpty else { return }
        running = contexts.count
        for context in contexts {
            let t = Thread { [self] in work(context) }
            t.stackSize = 8 << 20
            t.start()
        }
    }

    private func work(_ context: WorkerContext) {
        condition.lock()
        while true {
            while !cancelled && nextFill < tasks.count && nextFill - nextCommit >= slots.count { condition.wait() }
            if cancelled || nextFill >= tasks.count { break }
            let j = nextFill
            nextFill += 1
            condition.unlock()
            let slot = slots[j % slots.count]
            context.fill(slot, documents: tasks[j].documents, documentCount: documentCount)
            condition.lock()
            slot.ready = true
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Batch j's slot, once filled; batches must be taken in order, each released before the next.
    func take(_ j: Int) -> BatchSlot {
        let slot = slots[j % slots.count]
        condition.lock()
        while !slot.ready { condition.wait() }
        condition.unlock()
        return slot
    }

    /// Gives batch j's slot back to the workers.
    func release(_ j: Int) {
        condition.lock()
        slots[j % slots.count].ready = false
        nextCommit = j + 1
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the workers (after the batch each is on) and waits until they have exited.
    func stop() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}

/// One batch's output, filled by a worker and read by the writer: the instances, their records
/// encoded for the shard, counts, or the error that stopped the batch.
final class BatchSlot: @unchecked Sendable {
    var batch = InstanceBatch()
    var statistics = InstanceStatistics()
    var error: Error?
    let records: EncodedRecords
    /// Filled and not yet released (guarded by the pipeline's condition).
    var ready = false

    init(schema: ShardSchema, path: String) {
        records = EncodedRecords(schema: schema, path: path, capacity: 1 << 18)
    }
}
