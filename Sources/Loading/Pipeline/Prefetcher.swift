import Batches
import Foundation

/// Builds batches 0..<count on background threads, at most `depth` ahead of the
/// consumer, and hands them out strictly in order. Batch k's content is a pure function
/// of k, so the stream is the same for any number of threads (0 = build on the caller's
/// thread, no background work at all).
final class Prefetcher: @unchecked Sendable {
    private let build: (Int) throws -> Batch
    private let count: Int
    private let depth: Int
    private let condition = NSCondition()
    private var nextToBuild: Int
    private var nextToDeliver: Int
    private var ready: [Int: Result<Batch, Error>] = [:]
    private var stopped = false
    private var workers: [Thread] = []
    private var running = 0

    init(count: Int, first: Int = 0, threads: Int, depth: Int, build: @escaping (Int) throws -> Batch) {
        self.build = build
        self.count = count
        self.depth = max(1, depth)
        nextToBuild = first
        nextToDeliver = first
        for t in 0..<max(0, threads) {
            let thread = Thread { [self] in work() }
            thread.name = "drbert.loader.\(t)"
            thread.stackSize = 1 << 20
            running += 1
            workers.append(thread)
            thread.start()
        }
    }

    deinit { stop() }

    private func work() {
        condition.lock()
        while true {
            while !stopped && nextToBuild < count && nextToBuild >= nextToDeliver + depth { condition.wait() }
            if stopped || nextToBuild >= count { break }
            let k = nextToBuild
            nextToBuild += 1
            condition.unlock()
            let result = Result { try build(k) }
            condition.lock()
            ready[k] = result
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch in order, or nil after the last.
    func next() throws -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        guard nextToDeliver < count else { return nil }
        let k = nextToDeliver
        if workers.isEmpty {
            nextToDeliver += 1
            condition.unlock()
            defer { condition.lock() }
            return try build(k)
        }
        while ready[k] == nil { condition.wait() }
        let result = ready.removeValue(forKey: k)!
        nextToDeliver += 1
        condition.broadcast()
        return try result.get()
    }

    /// Stops the workers and waits for them (a batch being built is finished first).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
