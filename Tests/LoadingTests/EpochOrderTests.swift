import Foundation
import XCTest
@testable import Loading

final class EpochOrderTests: XCTestCase {
    func testIndexPermutationIsABijection() {
        for n in [0, 1, 2, 3, 5, 16, 17, 100, 1000, 4097] {
            let p = IndexPermutation(count: n, key: 42)
            let image = (0..<n).map { p($0) }
            XCTAssertEqual(Set(image).count, n, "n=\(n)")
            XCTAssertTrue(image.allSatisfy { (0..<n).contains($0) })
        }
    }

    private func order(_ sizes: [Int], seed: UInt64 = 1, epoch: Int = 0, window: Int = 4) -> [Int] {
        let layout = EpochLayout(blockSizes: [sizes], weights: nil, seed: seed, epoch: epoch)
        let o = EpochOrder(layout: layout, seed: seed, epoch: epoch, windowBlocks: window)
        var starts: [Int] = [], base = 0
        for n in sizes { starts.append(base); base += n }
        return (0..<o.count).map { p in
            let (b, off) = o.sample(at: p)
            return starts[layout.blocks[b].block] + off
        }
    }

    func testOrderIsAPermutationWithUnevenAndEmptyBlocks() {
        let sizes = [5, 0, 17, 1, 64, 64, 3, 0, 29]
        let o = order(sizes)
        XCTAssertEqual(o.count, sizes.reduce(0, +))
        XCTAssertEqual(Set(o), Set(0..<o.count))
    }

    func testReshufflesPerEpochAndPerSeedAndIsDeterministic() {
        let sizes = [Int](repeating: 50, count: 40)
        let a = order(sizes, seed: 1, epoch: 0)
        XCTAssertEqual(a, order(sizes, seed: 1, epoch: 0))
        XCTAssertNotEqual(a, order(sizes, seed: 1, epoch: 1))
        XCTAssertNotEqual(a, order(sizes, seed: 2, epoch: 0))
        XCTAssertNotEqual(a, Array(0..<a.count))
    }

    /// Close to a full shuffle: no rank correlation with the stored order, and neighbours in
    /// the stream are rarely neighbours on disk.
    func testOrderIsCloseToAFullShuffle() {
        let sizes = [Int](repeating: 100, count: 200)
        let o = order(sizes, window: 8)
        let n = Double(o.count)
        var sum = 0.0
        for (p, i) in o.enumerated() { let d = Double(p - i); sum += d * d }
        let spearman = 1 - 6 * sum / (n * (n * n - 1))
        XCTAssertLessThan(abs(spearman), 0.05)
        let adjacent = zip(o, o.dropFirst()).filter { abs($0 - $1) == 1 }.count
        XCTAssertLessThan(Double(adjacent) / n, 0.01)
        // Within a window of 8 blocks, consecutive samples come from different blocks most of the time.
        let sameBlock = zip(o, o.dropFirst()).filter { $0 / 100 == $1 / 100 }.count
        XCTAssertLessThan(Double(sameBlock) / n, 0.25)
    }

    func testRankScheduleSharesAreDisjointCompleteAndBalanced() {
        for (n, b, w) in [(1000, 32, 4), (1001, 7, 3), (5, 8, 4), (0, 4, 2), (64, 8, 8)] {
            var seen: [Int] = []
            var counts: [Int] = []
            for r in 0..<w {
                let s = RankSchedule(sampleCount: n, startPosition: 0, batchSize: b, worldSize: w, rank: r)
                counts.append(s.batchCount)
                for k in 0..<s.batchCount { seen += Array(s.positions(ofBatch: k)) }
            }
            XCTAssertEqual(seen.sorted(), Array(0..<n))
            XCTAssertLessThanOrEqual((counts.max() ?? 0) - (counts.min() ?? 0), 1)
        }
    }

    func testMixtureWeightsSetEachDatasetsShare() {
        let sizes = [[Int](repeating: 10, count: 10), [Int](repeating: 10, count: 30)]
        let layout = EpochLayout(blockSizes: sizes, weights: [1, 1], seed: 3, epoch: 0)
        XCTAssertEqual(layout.sampleCount, 400)
        let perSource = [0, 1].map { s in layout.blocks.filter { $0.source == s }.reduce(0) { $0 + $1.count } }
        XCTAssertEqual(perSource, [200, 200])
        // Dataset 0 (100 samples) is repeated twice, each copy marked.
        XCTAssertEqual(Set(layout.blocks.filter { $0.source == 0 }.map(\.copy)), [0, 1])
        // Dataset 1 is sub-sampled: a different subset of blocks in another epoch.
        let other = EpochLayout(blockSizes: sizes, weights: [1, 1], seed: 3, epoch: 1)
        XCTAssertNotEqual(
            layout.blocks.filter { $0.source == 1 }.map(\.block),
            other.blocks.filter { $0.source == 1 }.map(\.block))
    }
}

final class LoaderOptionsCodingTests: XCTestCase {
    func testOptionsRoundTripAndOldJSONDecodesWithDefaults() throws {
        var o = LoaderOptions(batchSize: 32)
        o.seed = 9; o.bucketBatches = 4; o.padToLength = 128
        let data = try JSONEncoder().encode(o)
        XCTAssertEqual(try JSONDecoder().decode(LoaderOptions.self, from: data), o)
        let old = try JSONDecoder().decode(LoaderOptions.self, from: Data(#"{"batchSize": 8, "seed": 3}"#.utf8))
        var expected = LoaderOptions(batchSize: 8); expected.seed = 3
        XCTAssertEqual(old, expected)
    }
}
