// read → N parallel workers → write, in input order, with bounded memory.
// The calling thread reads and writes (both mostly I/O and compression); workers only
// transform. At most `2 × threads + 1` items are in flight, so memory does not grow
// with input size, and items are written in sequence order, so the output does not
// depend on the thread count or on scheduling.
import Foundation
import Tokenization

final class OrderedPipeline<Input, Output> {
    let threads: Int
    private let makeWorker: () throws -> (Input) -> Output

    /// `makeWorker` is called once per worker thread (each gets its own state, e.g. an encoder).
    init(threads: Int, makeWorker: @escaping () throws -> (Input) -> Output) {
        self.threads = max(1, threads)
        self.makeWorker = makeWorker
    }

    func run(produce: () throws -> Input?, consume: (Output) throws -> Void) throws {
        if threads == 1 {
            let work = try makeWorker()
            while let item = try produce() { try consume(work(item)) }
            return
        }
        let workers = try (0..<threads).map { _ in try makeWorker() }
        let state = SharedState<Input, Output>()
        let limit = 2 * threads + 1
        var spawned: [Thread] = []
        for work in workers {
            let t = Thread {
                while let (seq, item) = state.take() { state.put(seq, work(item)) }
                state.workerExited()
            }
            t.stackSize = 8 << 20
            t.start()
            spawned.append(t)
        }
        var nextToProduce = 0
        var nextToConsume = 0
        defer { state.close(); state.waitForWorkers(threads) }
        while true {
            // Write everything that is ready; block while the window is full.
            while nextToConsume < nextToProduce {
                let mustWait = nextToProduce - nextToConsume >= limit
                guard let out = state.result(nextToConsume, wait: mustWait) else { break }
                try consume(out)
                nextToConsume += 1
            }
            guard let item = try produce() else { break }
            state.submit(nextToProduce, item)
            nextToProduce += 1
        }
        while nextToConsume < nextToProduce {
            try consume(state.result(nextToConsume, wait: true)!)
            nextToConsume += 1
        }
    }
}

private final class SharedState<Input, Output>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Taken entries are set to nil at once so their buffers are freed, not kept until compaction.
    private var queue: [(Int, Input)?] = []
    private var queueHead = 0
    private var results: [Int: Output] = [:]
    private var closed = false
    private var exited = 0

    func submit(_ seq: Int, _ item: Input) {
        condition.lock(); queue.append((seq, item)); condition.broadcast(); condition.unlock()
    }

    func take() -> (Int, Input)? {
        condition.lock(); defer { condition.unlock() }
        while queueHead == queue.count && !closed { condition.wait() }
        guard queueHead < queue.count else { return nil }
        let item = queue[queueHead]!
        queue[queueHead] = nil
        queueHead += 1
        if queueHead > 64 && queueHead * 2 > queue.count { queue.removeFirst(queueHead); queueHead = 0 }
        return item
    }

    func put(_ seq: Int, _ out: Output) {
        condition.lock(); results[seq] = out; condition.broadcast(); condition.unlock()
    }

    func result(_ seq: Int, wait: Bool) -> Output? {
        condition.lock(); defer { condition.unlock() }
        while results[seq] == nil {
            if !wait { return nil }
            condition.wait()
        }
        return results.removeValue(forKey: seq)
    }

    /// Stops the workers; items not yet taken are dropped (after an error nothing more is written).
    func close() {
        condition.lock(); closed = true; queue.removeAll(); queueHead = 0; condition.broadcast(); condition.unlock()
    }
    func workerExited() { condition.lock(); exited += 1; condition.broadcast(); condition.unlock() }
    func waitForWorkers(_ n: Int) {
        condition.lock(); while exited < n { condition.wait() }; condition.unlock()
    }
}
