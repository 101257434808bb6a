import XCTest
@testable import Masking
import Tokenization

final class MaskerTests: XCTestCase {
    let vocab = Synthetic.vocabulary
    lazy var maskID = UInt32(vocab.special.mask!)
    lazy var cls = UInt32(vocab.special.classifier!)
    lazy var sep = UInt32(vocab.special.separator!)

    /// [CLS] words [SEP] words [SEP], about `length` tokens.
    func sequence(_ r: inout InstanceRandom, length: Int) -> [UInt32] {
        var s: [UInt32] = [cls]
        while s.count < length / 2 { Synthetic.word(&r, into: &s) }
        s.append(sep)
        while s.count < length - 1 { Synthetic.word(&r, into: &s) }
        s.append(sep)
        return s
    }

    func run(
        _ strategy: MaskingStrategy, instances: Int, length: Int = 128, maxPredictions: Int = 20,
        check: (
            _ original: [UInt32], _ masked: [UInt32], _ positions: [UInt32], _ labels: [UInt32],
            _ workspace: MaskingWorkspace, _ masker: Masker
        ) -> Void
    ) {
        let masker = Masker(options: Synthetic.masking(strategy, maxPredictions: maxPredictions), vocabulary: vocab)
        var ws = MaskingWorkspace()
        var positions: [UInt32] = [], labels: [UInt32] = []
        var data = InstanceRandom(seed: 99, streams: 1)
        for i in 0..<instances {
            let original = sequence(&data, length: length)
            var ids = original
            var r = InstanceRandom(seed: 5, streams: UInt64(i))
            masker.mask(&ids, positions: &positions, labels: &labels, workspace: &ws, using: &r)
            check(original, ids, positions, labels, ws, masker)
        }
    }

    func testPositionsAscendingLabelsOriginalSpecialsUntouched() {
        for strategy in [MaskingStrategy.token, .wholeWord, .span, .ngram(maxN: 3)] {
            run(strategy, instances: 300) { original, masked, positions, labels, _, masker in
                XCTAssertEqual(positions, positions.sorted())
                XCTAssertEqual(Set(positions).count, positions.count)
                XCTAssertLessThanOrEqual(positions.count, masker.predictionBudget(sequenceLength: original.count))
                for (p, l) in zip(positions, labels) {
                    XCTAssertEqual(l, original[Int(p)])
                    XCTAssertFalse(vocab.isSpecial(UInt32(l)), "\(strategy) masked a special token")
                }
                let chosen = Set(positions.map(Int.init))
                for i in original.indices where !chosen.contains(i) { XCTAssertEqual(masked[i], original[i]) }
                for p in positions {
                    XCTAssertFalse(vocab.isSpecial(UInt32(masked[Int(p)])) && masked[Int(p)] != maskID)
                }
            }
        }
    }

    func testWholeWordsAreNeverSplit() {
        for strategy in [MaskingStrategy.wholeWord, .span, .ngram(maxN: 3)] {
            run(strategy, instances: 500) { original, _, positions, _, _, _ in
                let chosen = Set(positions.map(Int.init))
                for w in Synthetic.words(of: original) {
                    let n = w.filter(chosen.contains).count
                    XCTAssert(n == 0 || n == w.count, "\(strategy) split word \(w)")
                }
            }
        }
    }

    /// Google BERT's budget, `min(max_predictions, max(1, round(n × 0.15)))`, with Python 3's
    /// half-to-even rounding: 10 tokens → round(1.5) = 2, 30 → round(4.5) = 4, 70 → round(10.5) = 10.
    func testBudgetFormula() {
        let m = Masker(options: Synthetic.masking(.token, maxPredictions: 20), vocabulary: vocab)
        XCTAssertEqual(m.predictionBudget(sequenceLength: 3), 1)
        XCTAssertEqual(m.predictionBudget(sequenceLength: 10), 2)
        XCTAssertEqual(m.predictionBudget(sequenceLength: 30), 4)
        XCTAssertEqual(m.predictionBudget(sequenceLength: 70), 10)
        XCTAssertEqual(m.predictionBudget(sequenceLength: 128), 19)
        XCTAssertEqual(m.predictionBudget(sequenceLength: 512), 20)
    }

    func testPerTokenMaskingFillsTheBudgetExactly() {
        run(.token, instances: 300, length: 64) { original, _, positions, _, _, masker in
            XCTAssertEqual(positions.count, masker.predictionBudget(sequenceLength: original.count))
        }
    }

    /// Over 10k instances the outcomes of masked tokens follow 80/10/10 within 1.5 points.
    func testEightyTenTenSplit() {
        for strategy in [MaskingStrategy.token, .wholeWord, .span] {
            var mask = 0, random = 0, kept = 0
            run(strategy, instances: 10_000) { original, masked, positions, _, _, _ in
                for p in positions.map(Int.init) {
                    if masked[p] == self.maskID {
                        mask += 1
                    } else if masked[p] != original[p] {
                        random += 1
                    } else {
                        kept += 1
                    }
                }
            }
            let total = Double(mask + random + kept)
            XCTAssertGreaterThan(total, 100_000)
            XCTAssertEqual(Double(mask) / total, 0.8, accuracy: 0.015, "\(strategy)")
            XCTAssertEqual(Double(random) / total, 0.1, accuracy: 0.015, "\(strategy)")
            XCTAssertEqual(Double(kept) / total, 0.1, accuracy: 0.015, "\(strategy)")
        }
    }

    func testConfigurableSplit() {
        var o = Synthetic.masking(.wholeWord)
        o.maskTokenProbability = 1; o.randomTokenProbability = 0
        let m = Masker(options: o, vocabulary: vocab)
        var data = InstanceRandom(seed: 3, streams: 0)
        var positions: [UInt32] = [], labels: [UInt32] = []
        for i in 0..<200 {
            var ids = sequence(&data, length: 100)
            var r = InstanceRandom(seed: 1, streams: UInt64(i))
            m.mask(&ids, positions: &positions, labels: &labels, using: &r)
            for p in positions { XCTAssertEqual(ids[Int(p)], maskID) }
        }
    }

    /// SpanBERT: one decision per span — a span is all [MASK], or none of it is.
    func testOneDecisionPerSpan() {
        var spans = 0, mixed = 0
        run(.span, instances: 2000) { original, masked, positions, _, ws, _ in
            // Rebuild spans from the recorded word counts: spans are maximal runs only when they don't touch,
            // so check per word instead: every word of a span shares the span's outcome.
            let chosen = Set(positions.map(Int.init))
            for w in Synthetic.words(of: original) where chosen.contains(w.lowerBound) {
                let isMask = w.map { masked[$0] == self.maskID }
                if Set(isMask).count > 1 { mixed += 1 }
            }
            spans += ws.spanWordCounts.count
        }
        XCTAssertGreaterThan(spans, 2000)
        XCTAssertEqual(mixed, 0)
    }

    /// The span-length sampler against the clipped geometric law (p = 0.2 on 1...10), chi-square
    /// with 9 degrees of freedom at the 0.001 level (27.88); mean 3.797 (SpanBERT paper: 3.8).
    func testSpanLengthsFollowClippedGeometricLaw() {
        let law = SpanLengthDistribution()
        XCTAssertEqual(law.mean, 3.797, accuracy: 0.001)
        var expected: [Double] = (1...10).map { 0.2 * pow(0.8, Double($0 - 1)) }
        let total = expected.reduce(0, +)
        expected = expected.map { $0 / total }
        var r = InstanceRandom(seed: 11, streams: 0)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<50_000 { counts[law.sample(using: &r) - 1] += 1 }
        XCTAssertLessThan(Synthetic.chiSquare(observed: counts, expected: expected), 27.88)
    }

    /// Spans as realised in sequences: long sequences and a large budget so that truncation by
    /// the budget or a [SEP] is rare; the first spans of each instance follow the law (chi-square,
    /// lengths 8-10 pooled: 7 degrees of freedom, 0.001 level = 24.32).
    func testRealisedSpanLengths() {
        var counts = [Int](repeating: 0, count: 8)
        run(.span, instances: 1500, length: 2000, maxPredictions: 300) { _, _, _, _, ws, _ in
            for c in ws.spanWordCounts.prefix(3) { counts[min(Int(c), 8) - 1] += 1 }
        }
        let law = SpanLengthDistribution().probabilities
        let expected = Array(law[0..<7]) + [law[7...].reduce(0, +)]
        XCTAssertLessThan(Synthetic.chiSquare(observed: counts, expected: expected), 24.32)
    }

    /// N-gram lengths: P(n) ∝ 1/n — the sampler (chi-square, 2 dof, 13.82) and realised n-grams
    /// in long sequences (first picks of each instance, where shortening is rare).
    func testNgramLengthDistribution() {
        let law = NgramLengthDistribution(maxN: 3)
        let expected = [1.0, 0.5, 1.0 / 3].map { $0 / (11.0 / 6) }
        var r = InstanceRandom(seed: 4, streams: 0)
        var counts = [0, 0, 0]
        for _ in 0..<30_000 { counts[law.sample(upTo: 3, using: &r) - 1] += 1 }
        XCTAssertLessThan(Synthetic.chiSquare(observed: counts, expected: expected), 13.82)
        XCTAssertEqual(law.sample(upTo: 1, using: &r), 1)

        // Realised: count maximal masked word runs of the first pick is hard; instead check the
        // average masked words per pick ≈ E[n] = (1 + 1 + 1) / (11/6) = 1.636.
        var words = 0, picks = 0
        let m = Masker(options: Synthetic.masking(.ngram(maxN: 3), maxPredictions: 300), vocabulary: vocab)
        var data = InstanceRandom(seed: 8, streams: 0)
        var ws = MaskingWorkspace()
        var positions: [UInt32] = [], labels: [UInt32] = []
        for i in 0..<300 {
            var ids = sequence(&data, length: 2000)
            var rr = InstanceRandom(seed: 2, streams: UInt64(i))
            m.mask(&ids, positions: &positions, labels: &labels, workspace: &ws, using: &rr)
            words += (0..<ws.units).filter { ws.unitCovered[$0] }.count
            picks += ws.spanWordCounts.count
        }
        XCTAssertEqual(Double(words) / Double(picks), 18.0 / 11, accuracy: 0.05)
    }

    func testMaskerIsDeterministic() {
        let m = Masker(options: Synthetic.masking(.span), vocabulary: vocab)
        var data = InstanceRandom(seed: 3, streams: 0)
        let original = sequence(&data, length: 128)
        var outs: [[UInt32]] = []
        for _ in 0..<2 {
            var ids = original
            var p: [UInt32] = [], l: [UInt32] = []
            var r = InstanceRandom(seed: 1, streams: 9, 9)
            m.mask(&ids, positions: &p, labels: &l, using: &r)
            outs.append(ids + p + l)
        }
        XCTAssertEqual(outs[0], outs[1])
    }
}
