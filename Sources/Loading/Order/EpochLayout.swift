/// A run of records the epoch draws from one block of one source. Up- and down-sampled
/// mixtures repeat (`copy` > 0) or truncate (`count` < block size) blocks.
struct VirtualBlock: Equatable {
    var source: Int
    var block: Int
    /// First record inside the block, and how many records this run takes.
    var first: Int
    var count: Int
    /// Repetition number of an up-sampled block, so repeated samples get fresh masks.
    var copy: Int
}

/// What one epoch reads, before ordering: every source's blocks, or with mixing weights
/// the share of the epoch each source gets. Depends on (seed, epoch) only when weights
/// force sub-sampling.
struct EpochLayout {
    var blocks: [VirtualBlock]
    var sampleCount: Int

    /// `blockSizes[s][b]`: records in block `b` of source `s`.
    /// `weights`: relative shares of the epoch. The epoch keeps the total size of the
    /// sources (Σ records); source `s` contributes round(total × w_s / Σw) samples: whole
    /// passes over its blocks, then a (seed, epoch)-chosen subset of blocks, the last one
    /// cut, for the remainder.
    init(blockSizes: [[Int]], weights: [Double]?, seed: UInt64, epoch: Int) {
        var blocks: [VirtualBlock] = []
        guard let weights else {
            for (s, sizes) in blockSizes.enumerated() {
                for (b, n) in sizes.enumerated() where n > 0 {
                    blocks.append(VirtualBlock(source: s, block: b, first: 0, count: n, copy: 0))
                }
            }
            self.blocks = blocks
            sampleCount = blocks.reduce(0) { $0 + $1.count }
            return
        }
        precondition(weights.count == blockSizes.count)
        let totals = blockSizes.map { $0.reduce(0, +) }
        let total = totals.reduce(0, +)
        let weightSum = weights.reduce(0, +)
        var sampleCount = 0
        for (s, sizes) in blockSizes.enumerated() {
            let sourceTotal = totals[s]
            guard sourceTotal > 0, weightSum > 0 else { continue }
            let wanted = Int((Double(total) * weights[s] / weightSum).rounded())
            sampleCount += wanted
            let passes = wanted / sourceTotal
            for copy in 0..<passes {
                for (b, n) in sizes.enumerated() where n > 0 {
                    blocks.append(VirtualBlock(source: s, block: b, first: 0, count: n, copy: copy))
                }
            }
            var remainder = wanted - passes * sourceTotal
            if remainder == 0 { continue }
            var order = Array(sizes.indices)
            var rng = SplitMix(key: Mix.key(seed, UInt64(epoch), KeyPurpose.mixtureSubset.rawValue, UInt64(s)))
            order.shuffle(using: &rng)
            for b in order where sizes[b] > 0 {
                let take = min(sizes[b], remainder)
                blocks.append(VirtualBlock(source: s, block: b, first: 0, count: take, copy: passes))
                remainder -= take
                if remainder == 0 { break }
            }
        }
        self.blocks = blocks
        self.sampleCount = sampleCount
    }
}
