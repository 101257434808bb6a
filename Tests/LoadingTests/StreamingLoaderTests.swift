import Batches
import XCTest
@testable import Loading

final class StreamingLoaderTests: XCTestCase {
    private func options(
        batch: Int = 16, seed: UInt64 = 7, epoch: Int = 0, world: Int = 1, rank: Int = 0,
        threads: Int = 2
    ) -> LoaderOptions {
        var o = LoaderOptions(batchSize: batch)
        o.seed = seed; o.epoch = epoch; o.worldSize = world; o.rank = rank
        o.workerThreads = threads; o.windowBlocks = 4
        return o
    }

    func testEverySampleExactlyOncePerEpoch() throws {
        let source = MemorySource(records: 1003, blockSize: 37)
        let loader = try StreamingLoader(sources: [source], options: options())
        let batches = try loader.drainIndices()
        XCTAssertEqual(batches.flatMap { $0 }.sorted(), Array(0..<1003))
        XCTAssertEqual(batches.count, loader.batchCount)
        XCTAssertEqual(batches.last?.count, 1003 % 16)
        XCTAssertEqual(loader.state.globalSamplesConsumed, 1003)
    }

    func testRanksAreDisjointCompleteAndDifferByAtMostOneBatch() throws {
        let source = MemorySource(records: 1000, blockSize: 50)
        var all: [Int] = [], counts: [Int] = []
        for r in 0..<3 {
            let b = try StreamingLoader(sources: [source], options: options(world: 3, rank: r)).drainIndices()
            counts.append(b.count)
            all += b.flatMap { $0 }
        }
        XCTAssertEqual(all.count, 1000)
        XCTAssertEqual(Set(all).count, 1000)
        XCTAssertLessThanOrEqual(counts.max()! - counts.min()!, 1)
    }

    func testReshufflesPerEpochAndSeed() throws {
        let source = MemorySource(records: 500, blockSize: 20)
        let a = try StreamingLoader(sources: [source], options: options(seed: 1, epoch: 0)).drainIndices()
        let b = try StreamingLoader(sources: [source], options: options(seed: 1, epoch: 1)).drainIndices()
        let c = try StreamingLoader(sources: [source], options: options(seed: 2, epoch: 0)).drainIndices()
        let a2 = try StreamingLoader(sources: [source], options: options(seed: 1, epoch: 0)).drainIndices()
        XCTAssertEqual(a, a2)
        XCTAssertNotEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertEqual(b.flatMap { $0 }.sorted(), Array(0..<500))
    }

    func testOutputIsIndependentOfThreadCountAndPrefetchDepth() throws {
        let source = MemorySource(records: 777, blockSize: 25)
        func run(_ threads: Int, _ depth: Int) throws -> [Batch] {
            var o = options(batch: 10, threads: threads); o.prefetchBatches = depth
            let loader = try StreamingLoader(sources: [source], options: o)
            var out: [Batch] = []
            while let b = try loader.next() { out.append(b) }
            return out
        }
        let reference = try run(0, 1)
        XCTAssertEqual(try run(1, 1), reference)
        XCTAssertEqual(try run(4, 2), reference)
        XCTAssertEqual(try run(3, 16), reference)
    }

    func testResumeReproducesTheUninterruptedStream() throws {
        let source = MemorySource(records: 900, blockSize: 33)
        let full = try StreamingLoader(sources: [source], options: options()).drainIndices()
        for stopAfter in [0, 1, 13, full.count - 1, full.count] {
            let first = try StreamingLoader(sources: [source], options: options())
            let head = try first.drainIndices(limit: stopAfter)
            let json = try first.state.jsonData()
            let state = try LoaderState.decode(json: json)
            // Different thread count on resume: must not matter either.
            let rest = try StreamingLoader(sources: [source], options: options(threads: 3), resumeFrom: state)
                .drainIndices()
            XCTAssertEqual(head + rest, full, "stop after \(stopAfter)")
        }
    }

    func testResumeTakesSeedAndEpochFromTheState() throws {
        let source = MemorySource(records: 300, blockSize: 10)
        let full = try StreamingLoader(sources: [source], options: options(seed: 9, epoch: 2)).drainIndices()
        let first = try StreamingLoader(sources: [source], options: options(seed: 9, epoch: 2))
        let head = try first.drainIndices(limit: 5)
        let rest = try StreamingLoader(sources: [source], options: options(seed: 0, epoch: 0), resumeFrom: first.state)
            .drainIndices()
        XCTAssertEqual(head + rest, full)
    }

    /// A state saved by 4 ranks resumes on 3 (and on 5, and 1): the epoch finishes with no
    /// sample repeated or skipped, and the samples come in the single global order.
    func testElasticResumeAcrossWorldSizes() throws {
        let source = MemorySource(records: 1234, blockSize: 40)
        let global = try StreamingLoader(sources: [source], options: options(batch: 8)).drainIndices().flatMap { $0 }
        for newWorld in [3, 5, 1, 4] {
            var seen: [Int] = []
            var states: [LoaderState] = []
            for r in 0..<4 {
                let loader = try StreamingLoader(sources: [source], options: options(batch: 8, world: 4, rank: r))
                seen += try loader.drainIndices(limit: 11).flatMap { $0 }
                states.append(loader.state)
            }
            XCTAssertEqual(Set(states).count, 1, "ranks in lockstep agree on the state")
            XCTAssertEqual(states[0].globalSamplesConsumed, 11 * 4 * 8)
            XCTAssertEqual(Set(seen), Set(global.prefix(11 * 4 * 8)))
            var rest: [[Int]] = Array(repeating: [], count: newWorld)
            for r in 0..<newWorld {
                rest[r] = try StreamingLoader(
                    sources: [source], options: options(batch: 8, world: newWorld, rank: r),
                    resumeFrom: states[0]
                ).drainIndices().flatMap { $0 }
            }
            let all = seen + rest.flatMap { $0 }
            XCTAssertEqual(all.count, 1234, "W=4 → \(newWorld)")
            XCTAssertEqual(Set(all).count, 1234, "W=4 → \(newWorld)")
            XCTAssertEqual(Set(rest.flatMap { $0 }), Set(global.dropFirst(11 * 4 * 8)))
        }
    }

    /// Positions do not depend on the batch size, so a run may also resume with another one.
    func testResumeWithAnotherBatchSizeFinishesTheEpoch() throws {
        let source = MemorySource(records: 500, blockSize: 25)
        let global = try StreamingLoader(sources: [source], options: options(batch: 1)).drainIndices().flatMap { $0 }
        let first = try StreamingLoader(sources: [source], options: options(batch: 16))
        let head = try first.drainIndices(limit: 7).flatMap { $0 }
        let rest = try StreamingLoader(sources: [source], options: options(batch: 10), resumeFrom: first.state)
            .drainIndices().flatMap { $0 }
        XCTAssertEqual(head + rest, global)
    }

    func testStateForAnotherDatasetIsRefused() throws {
        let a = MemorySource(records: 100, blockSize: 10)
        let b = MemorySource(records: 100, blockSize: 20)
        let loader = try StreamingLoader(sources: [a], options: options())
        _ = try loader.next()
        XCTAssertThrowsError(try StreamingLoader(sources: [b], options: options(), resumeFrom: loader.state)) { error in
            guard case LoaderError.stateMismatch = error else { return XCTFail("\(error)") }
        }
        var beyond = loader.state
        beyond.globalSamplesConsumed = 101
        XCTAssertThrowsError(try StreamingLoader(sources: [a], options: options(), resumeFrom: beyond))
    }

    func testCorruptBlockIsAnErrorNamingTheBlock() throws {
        let source = MemorySource(records: 200, blockSize: 20)
        source.corrupt = [3]
        let loader = try StreamingLoader(sources: [source], options: options())
        XCTAssertThrowsError(try loader.drainIndices()) { error in
            XCTAssertTrue("\(error)".contains("memory block 3"), "\(error)")
            XCTAssertTrue("\(error)".contains("checksum"), "\(error)")
        }
    }

    func testSkipCorruptSkipsAndCountsTheBlock() throws {
        let source = MemorySource(records: 200, blockSize: 20)
        source.corrupt = [3, 7]
        var o = options(); o.skipCorrupt = true
        let loader = try StreamingLoader(sources: [source], options: o)
        let seen = try loader.drainIndices().flatMap { $0 }
        let expected = Set(0..<200).subtracting(60..<80).subtracting(140..<160)
        XCTAssertEqual(seen.count, expected.count)
        XCTAssertEqual(Set(seen), expected)
        XCTAssertEqual(loader.statistics.corruptBlocks.count, 2)
        XCTAssertEqual(loader.statistics.samplesSkipped, 40)
        XCTAssertEqual(loader.state.globalSamplesConsumed, 200)
    }

    func testPaddingToLongestAndFixedLength() throws {
        let source = MemorySource(records: 64, blockSize: 16, maxExtra: 9)
        let loader = try StreamingLoader(sources: [source], options: options(batch: 8))
        while let b = try loader.next() {
            let lengths = b.sampleIndices.map { MemorySource.length(of: $0, maxExtra: 9) }
            XCTAssertEqual(b.sequenceLength, lengths.max())
            XCTAssertEqual(b.maxPredictions, 1)
            for (row, i) in b.sampleIndices.enumerated() {
                let n = lengths[row]
                let ids = b.inputIDs[row * b.sequenceLength..<(row + 1) * b.sequenceLength]
                XCTAssertEqual(Array(ids.prefix(n)), Array(repeating: UInt32(100 + i), count: n))
                XCTAssertTrue(ids.dropFirst(n).allSatisfy { $0 == 0 })
                let mask = b.attentionMask[row * b.sequenceLength..<(row + 1) * b.sequenceLength]
                XCTAssertEqual(
                    Array(mask), Array(repeating: 1, count: n) + Array(repeating: 0, count: b.sequenceLength - n))
                let seg = Array(b.segmentIDs[row * b.sequenceLength..<(row + 1) * b.sequenceLength])
                XCTAssertEqual(seg, (0..<b.sequenceLength).map { $0 < n && $0 >= n / 2 ? 1 : 0 })
                XCTAssertEqual(b.maskedLabels[row], UInt32(101 + i))
                XCTAssertEqual(b.nextSentenceLabels[row], UInt32(i % 2))
            }
        }

        var fixed = options(batch: 8); fixed.padToLength = 12; fixed.maxPredictions = 3
        let padded = try StreamingLoader(sources: [source], options: fixed)
        let b = try XCTUnwrap(padded.next())
        XCTAssertEqual(b.sequenceLength, 12)
        XCTAssertEqual(b.inputIDs.count, 8 * 12)
        XCTAssertEqual(b.maskedPositions.count, 8 * 3)
        XCTAssertEqual(b.maskedLabels[1], Batch.noLabel, "padding slot label")
        XCTAssertEqual(b.maskedPositions[1], 0, "padding slot position")

        var tooShort = options(batch: 8); tooShort.padToLength = 4
        XCTAssertThrowsError(try StreamingLoader(sources: [source], options: tooShort).drainIndices()) { error in
            guard case LoaderError.sampleTooLong = error else { return XCTFail("\(error)") }
        }
    }

    func testMixingTwoDatasetsUsesGlobalIndicesAndWeights() throws {
        let a = MemorySource(records: 100, blockSize: 10)
        let b = MemorySource(records: 300, blockSize: 10)
        let even = try StreamingLoader(sources: [a, b], options: options()).drainIndices().flatMap { $0 }
        XCTAssertEqual(even.sorted(), Array(0..<400))
        let weighted = try StreamingLoader(sources: [a, b], weights: [3, 1], options: options()).drainIndices().flatMap
        { $0 }
        XCTAssertEqual(weighted.count, 400)
        XCTAssertEqual(weighted.filter { $0 < 100 }.count, 300, "dataset a up-sampled 3×")
        XCTAssertEqual(Set(weighted.filter { $0 < 100 }).count, 100)
    }

    func testMemoryStaysBoundedByTheCache() throws {
        let source = MemorySource(records: 20_000, blockSize: 50)
        let lazy = try StreamingLoader(sources: [source], options: options(batch: 32, threads: 0))
        XCTAssertEqual(lazy.statistics.blocksDecoded, 0, "without prefetch nothing is read before a batch is asked for")
        let loader = try StreamingLoader(sources: [source], options: options(batch: 32))
        _ = try loader.drainIndices()
        let cache = loader.engineForTests.cache
        XCTAssertLessThanOrEqual(cache.peakResident, cache.capacity)
        XCTAssertLessThan(cache.capacity, 40, "a few windows of blocks, not the 400-block dataset")
        // Each block is decoded about once: windows are read whole before moving on.
        XCTAssertLessThan(loader.statistics.blocksDecoded, 400 + 400 / 10)
    }
}

final class LengthBucketingTests: XCTestCase {
    private func options(world: Int = 1, rank: Int = 0, threads: Int = 2) -> LoaderOptions {
        var o = LoaderOptions(batchSize: 8)
        o.seed = 11; o.worldSize = world; o.rank = rank; o.workerThreads = threads
        o.windowBlocks = 4; o.bucketBatches = 6
        return o
    }

    func testBucketingCoversTheEpochAndReducesPadding() throws {
        let source = MemorySource(records: 1000, blockSize: 40, maxExtra: 40)
        let loader = try StreamingLoader(sources: [source], options: options())
        var seen: [Int] = [], padded = 0, plainPadded = 0
        while let b = try loader.next() {
            seen += b.sampleIndices
            padded += b.size * b.sequenceLength
            let lengths = b.sampleIndices.map { MemorySource.length(of: $0, maxExtra: 40) }
            XCTAssertEqual(b.sequenceLength, lengths.max())
        }
        XCTAssertEqual(seen.sorted(), Array(0..<1000))
        var plain = options(); plain.bucketBatches = nil
        let unbucketed = try StreamingLoader(sources: [source], options: plain)
        while let b = try unbucketed.next() { plainPadded += b.size * b.sequenceLength }
        XCTAssertLessThan(Double(padded), 0.8 * Double(plainPadded))
    }

    func testBucketedStreamResumesExactlyAndElastically() throws {
        let source = MemorySource(records: 777, blockSize: 30, maxExtra: 40)
        let full = try StreamingLoader(sources: [source], options: options(threads: 0)).drainIndices()
        XCTAssertEqual(try StreamingLoader(sources: [source], options: options(threads: 3)).drainIndices(), full)
        let first = try StreamingLoader(sources: [source], options: options())
        let head = try first.drainIndices(limit: 17)
        let rest = try StreamingLoader(sources: [source], options: options(), resumeFrom: first.state).drainIndices()
        XCTAssertEqual(head + rest, full)

        var seen: [Int] = []
        var state: LoaderState?
        for r in 0..<2 {
            let l = try StreamingLoader(sources: [source], options: options(world: 2, rank: r))
            seen += try l.drainIndices(limit: 9).flatMap { $0 }
            state = l.state
        }
        for r in 0..<3 {
            seen += try StreamingLoader(sources: [source], options: options(world: 3, rank: r), resumeFrom: state)
                .drainIndices().flatMap { $0 }
        }
        XCTAssertEqual(seen.sorted(), Array(0..<777))
        var other = options(); other.bucketBatches = 5
        XCTAssertThrowsError(try StreamingLoader(sources: [source], options: other, resumeFrom: state))
    }
}
