@testable import Masking
@testable import Loading

/// An in-memory dataset of `blockSizes.reduce(0,+)` records. Record i has
/// `1 + i % maxExtra` tokens, all equal to `100 + i % 1000`, one stored mask at position 0,
/// and segment B on its second half; blocks in `corrupt` fail like a bad checksum.
final class MemorySource: RecordSource {
    let blockSizes: [Int]
    let starts: [Int]
    var corrupt: Set<Int> = []
    let maxExtra: Int
    private(set) var decodes = 0

    init(blockSizes: [Int], maxExtra: Int = 7) {
        self.blockSizes = blockSizes
        var s: [Int] = [], base = 0
        for n in blockSizes { s.append(base); base += n }
        starts = s
        self.maxExtra = maxExtra
    }

    convenience init(records: Int, blockSize: Int, maxExtra: Int = 7) {
        var sizes: [Int] = []
        var left = records
        while left > 0 { sizes.append(min(blockSize, left)); left -= blockSize }
        self.init(blockSizes: sizes, maxExtra: maxExtra)
    }

    var count: Int { blockSizes.reduce(0, +) }

    static func length(of i: Int, maxExtra: Int = 7) -> Int { 1 + i % maxExtra }

    func describe(block: Int) -> String { "memory block \(block)" }

    func read(block: Int) throws -> SampleBlock {
        if corrupt.contains(block) {
            throw LoaderError.corruptBlock(block: describe(block: block), detail: "checksum mismatch")
        }
        var out = InstanceBatch()
        for i in starts[block]..<(starts[block] + blockSizes[block]) {
            let n = MemorySource.length(of: i, maxExtra: maxExtra)
            let token = UInt32(100 + i % 1000)
            out.inputIDs += [UInt32](repeating: token, count: n)
            out.segmentBStarts.append(UInt32(n / 2))
            out.maskedPositions.append(0)
            out.maskedLabels.append(token + 1)
            out.nextSentenceLabels.append(UInt32(i % 2))
            out.tokenEnds.append(out.inputIDs.count)
            out.maskEnds.append(out.maskedPositions.count)
        }
        return BuiltInstances(out)
    }
}

extension StreamingLoader {
    /// Drains the loader; the sample indices of each batch.
    func drainIndices(limit: Int = .max) throws -> [[Int]] {
        var out: [[Int]] = []
        while out.count < limit, let b = try next() { out.append(b.sampleIndices) }
        return out
    }
}
