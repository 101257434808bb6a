import Foundation
import Shards

/// What the finisher queue accumulates, in shard order: summaries, statistics, and the first
/// error a shard's finish met; each newly finished shard goes into the output's journal.
/// `failure` may be read from any thread.
final class Ledger: @unchecked Sendable {
    private(set) var summaries: [ShardSummary?]
    private(set) var statistics = InstanceStatistics()
    private let output: ResumableShardedOutput<InstanceStatistics>
    private let lock = NSLock()
    private var error: Error?

    init(output: ResumableShardedOutput<InstanceStatistics>, units: Int) {
        self.output = output
        summaries = Array(repeating: nil, count: units)
    }

    var failure: Error? { lock.lock(); defer { lock.unlock() }; return error }

    func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }

    /// Shard k is done: kept from an earlier run, or just finished (then journaled).
    func record(_ k: Int, _ summary: ShardSummary, _ stats: InstanceStatistics, kept: Bool) {
        summaries[k] = summary
        statistics += stats
        guard !kept else { return }
        do { try output.recordFinishedShard(k, summary: summary, state: stats) } catch { fail(error) }
    }
}
