import Foundation

/// Read blocks shared by the worker threads. Each block is read once while it is
/// in use (a second worker asking for a block being read waits for it instead of
/// reading it again) and dropped least-recently-used beyond `capacity`, which bounds
/// memory to a few windows of blocks whatever the dataset size.
final class BlockCache: @unchecked Sendable {
    struct Key: Hashable { var source: Int; var block: Int }
    private enum Entry { case loading, ready(SampleBlock), corrupt }

    private let condition = NSCondition()
    private var entries: [Key: Entry] = [:]
    private var lastUse: [Key: UInt64] = [:]
    private var clock: UInt64 = 0
    let capacity: Int
    private let skipCorrupt: Bool
    private(set) var corruptBlocks: [String] = []
    private(set) var decodedBlocks = 0
    private(set) var decodedTokens = 0
    /// Most decoded blocks held at once (for tests of the memory bound).
    private(set) var peakResident = 0

    init(capacity: Int, skipCorrupt: Bool) {
        self.capacity = max(2, capacity)
        self.skipCorrupt = skipCorrupt
    }

    /// The decoded block, or nil when it is corrupt and corrupt blocks are skipped.
    func block(_ key: Key, in source: RecordSource) throws -> SampleBlock? {
        condition.lock()
        while true {
            clock += 1
            switch entries[key] {
            case .ready(let block)?:
                lastUse[key] = clock
                condition.unlock()
                return block
            case .corrupt?:
                condition.unlock()
                return nil
            case .loading?:
                condition.wait()
                continue
            case nil:
                entries[key] = .loading
                condition.unlock()
                let result: Result<SampleBlock, Error> = Result { try source.read(block: key.block) }
                condition.lock()
                defer { condition.broadcast(); condition.unlock() }
                switch result {
                case .success(let block):
                    entries[key] = .ready(block)
                    lastUse[key] = clock
                    decodedBlocks += 1
                    decodedTokens += block.tokenCount
                    evictIfNeeded()
                    peakResident = max(peakResident, lastUse.count)
                    return block
                case .failure(LoaderError.corruptBlock(let name, let detail)) where skipCorrupt:
                    entries[key] = .corrupt
                    corruptBlocks.append("\(name): \(detail)")
                    return nil
                case .failure(let error):
                    entries[key] = nil
                    throw error
                }
            }
        }
    }

    /// Must hold the lock.
    private func evictIfNeeded() {
        var ready = lastUse.count
        while ready > capacity {
            guard let victim = lastUse.min(by: { $0.value < $1.value })?.key else { return }
            lastUse[victim] = nil
            entries[victim] = nil
            ready -= 1
        }
    }

    var statistics: (blocks: Int, tokens: Int, corrupt: [String]) {
        condition.lock(); defer { condition.unlock() }
        return (decodedBlocks, decodedTokens, corruptBlocks)
    }
}
