import Foundation
import Masking

/// Wires order, rank schedule, cache and prefetcher for one epoch of one rank.
final class LoaderEngine {
    let seed: UInt64
    let epoch: Int
    let order: EpochOrder
    let schedule: RankSchedule
    let cache: BlockCache
    let prefetcher: Prefetcher
    let fingerprint: String
    let assembler: BatchAssembler

    init(
        sources: [RecordSource], weights: [Double]?, options: LoaderOptions, resumeFrom state: LoaderState?,
        padID: UInt32, masker: Masker?
    ) throws {
        guard options.batchSize >= 1 else { throw LoaderError.invalidOptions("batch size must be at least 1") }
        guard options.worldSize >= 1, (0..<options.worldSize).contains(options.rank) else {
            throw LoaderError.invalidOptions("rank \(options.rank) is not in 0..<\(options.worldSize) (world size)")
        }
        guard (options.blockRecords ?? 1) >= 1, options.windowBlocks >= 1 else {
            throw LoaderError.invalidOptions("block records and window blocks must be at least 1")
        }
        if let weights {
            guard weights.count == sources.count else {
                throw LoaderError.invalidOptions("\(weights.count) weights for \(sources.count) datasets")
            }
            guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), weights.contains(where: { $0 > 0 }) else {
                throw LoaderError.invalidOptions("weights must be non-negative and not all zero")
            }
        }
        seed = state?.seed ?? options.seed
        epoch = state?.epoch ?? options.epoch
        guard epoch >= 0 else { throw LoaderError.invalidOptions("epoch must be non-negative") }
        let sizes = sources.map(\.blockSizes)
        if let g = options.bucketBatches, g < 1 {
            throw LoaderError.invalidOptions("bucket group must be at least 1 batch")
        }
        fingerprint = LoaderEngine.fingerprint(
            blockSizes: sizes, weights: weights, windowBlocks: options.windowBlocks,
            masking: masker != nil ? options.masking : nil,
            bucketing: options.bucketBatches.map { [$0, options.batchSize] })
        let layout = EpochLayout(blockSizes: sizes, weights: weights, seed: seed, epoch: epoch)
        order = EpochOrder(layout: layout, seed: seed, epoch: epoch, windowBlocks: options.windowBlocks)
        var start = 0
        if let state {
            if let saved = state.orderFingerprint, saved != fingerprint {
                throw LoaderError.stateMismatch(
                    "it was saved for a different dataset or order settings (fingerprint \(saved), now \(fingerprint))")
            }
            guard (0...order.count).contains(state.globalSamplesConsumed) else {
                throw LoaderError.stateMismatch(
                    "position \(state.globalSamplesConsumed) is outside the epoch of \(order.count) samples")
            }
            start = state.globalSamplesConsumed
            if options.bucketBatches != nil, start % options.batchSize != 0, start != order.count {
                throw LoaderError.stateMismatch(
                    "length bucketing resumes only at a batch boundary (position \(start), batch size \(options.batchSize))"
                )
            }
        }
        schedule = RankSchedule(
            sampleCount: order.count, startPosition: start, batchSize: options.batchSize,
            worldSize: options.worldSize, rank: options.rank)
        var starts: [[Int]] = []
        var base = 0
        for s in sizes {
            var row: [Int] = []
            row.reserveCapacity(s.count)
            for n in s { row.append(base); base += n }
            starts.append(row)
        }
        // Enough decoded blocks for the windows the in-flight batches span.
        let meanBlock = max(1, order.count / max(1, layout.blocks.count))
        let inFlight =
            (options.prefetchBatches + max(1, options.workerThreads) + 1) * options.batchSize * options.worldSize
        let group = (options.bucketBatches ?? 0) * options.batchSize
        cache = BlockCache(
            capacity: 2 * options.windowBlocks + (inFlight + group) / meanBlock + 2, skipCorrupt: options.skipCorrupt)
        let seed = self.seed, epoch = self.epoch, count = order.count
        assembler = BatchAssembler(
            order: order, schedule: schedule, sources: sources, blockStarts: starts, cache: cache,
            epoch: epoch, padToLength: options.padToLength, maxPredictions: options.maxPredictions,
            padID: padID, masking: masker.map { DynamicMasking(masker: $0, seed: seed) },
            buckets: options.bucketBatches.map {
                LengthBuckets(
                    groupBatches: $0, batchSize: options.batchSize, sampleCount: count,
                    seed: seed, epoch: epoch)
            })
        prefetcher = Prefetcher(
            count: schedule.batchCount, threads: options.workerThreads,
            depth: options.prefetchBatches, build: { [assembler] in try assembler.batch($0) })
    }

    private static let sortedEncoder: JSONEncoder = {
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]; return e
    }()

    /// FNV-1a over the order-defining inputs, as 16 hex digits.
    static func fingerprint(
        blockSizes: [[Int]], weights: [Double]?, windowBlocks: Int, masking: MaskingOptions?,
        bucketing: [Int]?
    ) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func eat(_ v: UInt64) { for i in 0..<8 { h = (h ^ ((v >> (8 * UInt64(i))) & 0xFF)) &* 0x100_0000_01B3 } }
        eat(UInt64(windowBlocks))
        for s in blockSizes { eat(UInt64(s.count)); for n in s { eat(UInt64(n)) } }
        if let weights { for w in weights { eat(w.bitPattern) } }
        if let bucketing { eat(0xB0C4); for v in bucketing { eat(UInt64(v)) } }
        if let masking, let data = try? Self.sortedEncoder.encode(masking) { for b in data { eat(UInt64(b)) } }
        return String(h, radix: 16).leftPadded(to: 16)
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
