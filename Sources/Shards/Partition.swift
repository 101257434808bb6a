/// One part of a job split over machines: `--partition I/N`, part `index` (0-based) of `count`.
///
/// Jobs split their work into units first (mask: its output shards) and give part I the
/// contiguous run `units(of:)`, so every part's files are the files the single run writes for
/// those units, and `prep merge` only has to lay them side by side.
public struct Partition: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else {
            throw ShardError.invalidDataset(
                path: "--partition", detail: "\(index)/\(count) is not a part I/N with 0 ≤ I < N")
        }
        self.index = index
        self.count = count
    }

    /// Parses "I/N" (what a Slurm array passes as `$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(i) else {
            return nil
        }
        index = i
        count = n
    }

    public var description: String { "\(index)/\(count)" }

    /// This part's share of `units` units: contiguous, the parts' shares in order cover them
    /// all, sizes differ by at most one.
    public func units(of total: Int) -> Range<Int> {
        (total * index / count)..<(total * (index + 1) / count)
    }
}
