/// The epoch's sample order: a permutation of the layout's samples that keeps reads
/// local. Blocks are shuffled (one O(blocks) Fisher–Yates per epoch); consecutive runs of
/// `windowBlocks` shuffled blocks form windows whose samples are permuted together by a
/// keyed bijection. Reading a window touches only its few blocks, yet any sample can land
/// anywhere in the epoch at block granularity and anywhere in its window at sample
/// granularity — the same trade MosaicML's `py1b` shuffle makes.
///
/// `sample(at:)` is O(log blocks), so a resumed run starts at any position without replay.
struct EpochOrder {
    let layout: EpochLayout
    let windowBlocks: Int
    /// Layout block indices in epoch order.
    private let blockOrder: [Int]
    /// `ends[j]`: first position after the j-th block in epoch order.
    private let ends: [Int]
    private let windowKey: UInt64

    var count: Int { layout.sampleCount }

    init(layout: EpochLayout, seed: UInt64, epoch: Int, windowBlocks: Int) {
        precondition(windowBlocks >= 1)
        self.layout = layout
        self.windowBlocks = windowBlocks
        var order = Array(layout.blocks.indices)
        var rng = SplitMix(key: Mix.key(seed, UInt64(epoch), KeyPurpose.blockOrder.rawValue))
        order.shuffle(using: &rng)
        blockOrder = order
        var ends: [Int] = []
        ends.reserveCapacity(order.count)
        var sum = 0
        for b in order { sum += layout.blocks[b].count; ends.append(sum) }
        self.ends = ends
        windowKey = Mix.key(seed, UInt64(epoch), KeyPurpose.window.rawValue)
    }

    /// First position of the j-th block in epoch order.
    @inline(__always) private func start(ofBlock j: Int) -> Int { j == 0 ? 0 : ends[j - 1] }

    /// First j in `range` with ends[j] > position.
    private func block(containing position: Int, in range: Range<Int>) -> Int {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi {
            let mid = (lo + hi) / 2
            if ends[mid] > position { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// The sample at `position` (0..<count): its layout block and offset inside that run.
    func sample(at position: Int) -> (block: Int, offset: Int) {
        precondition(position >= 0 && position < count)
        let j = block(containing: position, in: 0..<ends.count)
        let window = j / windowBlocks
        let firstBlock = window * windowBlocks
        let lastBlock = min(ends.count, firstBlock + windowBlocks)
        let windowStart = start(ofBlock: firstBlock)
        let windowSize = ends[lastBlock - 1] - windowStart
        let permute = IndexPermutation(count: windowSize, key: Mix.key(windowKey, UInt64(window)))
        let shuffled = windowStart + permute(position - windowStart)
        let k = block(containing: shuffled, in: firstBlock..<lastBlock)
        return (blockOrder[k], shuffled - start(ofBlock: k))
    }
}
