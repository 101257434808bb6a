import XCTest
@testable import Masking
import Tokenization

final class InstanceBuilderTests: XCTestCase {
    let vocab = Synthetic.vocabulary
    lazy var cls = UInt32(vocab.special.classifier!)
    lazy var sep = UInt32(vocab.special.separator!)

    /// Documents over disjoint word pools, so the document an instance's tokens came from is known.
    func corpus(
        documents: Int, sentences: ClosedRange<Int>, words: ClosedRange<Int>
    ) -> ([TokenizedDocument], [Int: Int]) {
        var r = InstanceRandom(seed: 21, streams: 0)
        var owner: [Int: Int] = [:]
        var docs: [TokenizedDocument] = []
        let poolSize = Synthetic.wordIDs.count / documents
        for d in 0..<documents {
            let pool = Array(Synthetic.wordIDs[(d * poolSize)..<((d + 1) * poolSize)])
            for id in pool { owner[Int(id)] = d }
            docs.append(
                Synthetic.document(&r, sentences: r.nextInt(in: sentences), wordsPerSentence: words, pool: pool))
        }
        return (docs, owner)
    }

    func build(
        _ docs: [TokenizedDocument], pairing: SentencePairing, strategy: MaskingStrategy = .wholeWord,
        maxLength: Int = 128, shortProbability: Double = 0.1, dupe: Int = 1
    )
        -> (batches: [InstanceBatch], statistics: InstanceStatistics)
    {
        var o = InstanceOptions()
        o.pairing = pairing; o.maxSequenceLength = maxLength; o.shortSequenceProbability = shortProbability
        var b = InstanceBuilder(options: o, masking: Synthetic.masking(strategy), vocabulary: vocab, seed: 42)
        var stats = InstanceStatistics()
        var batches: [InstanceBatch] = []
        for (d, doc) in docs.enumerated() {
            var batch = InstanceBatch()
            for c in 0..<dupe {
                try! b.build(
                    doc, index: d, copy: c, documentCount: docs.count,
                    fetch: { i, out in out = docs[i] }, into: &batch, statistics: &stats)
            }
            batches.append(batch)
        }
        return (batches, stats)
    }

    /// Input ids with the masked positions restored to their labels.
    func unmasked(_ b: InstanceBatch, _ i: Int) -> [UInt32] {
        var ids = Array(b.inputIDs[b.tokenRange(i)])
        for k in b.maskRange(i) { ids[Int(b.maskedPositions[k])] = b.maskedLabels[k] }
        return ids
    }

    func testFullSentencePackingKeepsEveryTokenInOrderAndNeverCrossesDocuments() {
        var (docs, _) = corpus(documents: 40, sentences: 1...30, words: 1...40)
        // An over-long sentence (300 words) and an empty document.
        var r = InstanceRandom(seed: 1, streams: 1)
        docs[3] = Synthetic.document(&r, sentences: 1, wordsPerSentence: 300...300)
        docs[4] = TokenizedDocument()
        let (batches, stats) = build(docs, pairing: .none)
        for (d, b) in batches.enumerated() {
            var content: [UInt32] = []
            for i in 0..<b.count {
                let ids = unmasked(b, i)
                XCTAssertLessThanOrEqual(ids.count, 128)
                XCTAssertEqual(ids.first, cls); XCTAssertEqual(ids.last, sep)
                XCTAssertEqual(b.nextSentenceLabels[i], .max)
                XCTAssertEqual(Int(b.segmentBStarts[i]), ids.count)
                XCTAssert(b.segmentIDs(i).allSatisfy { $0 == 0 })
                content += ids.dropFirst().dropLast()
            }
            XCTAssertEqual(content, docs[d].tokens, "document \(d) not reproduced exactly")
        }
        XCTAssertEqual(stats.documents, 40)
        XCTAssertEqual(stats.emptyDocuments, 1)
        XCTAssertGreaterThanOrEqual(stats.sentencesSplit, 1)
        XCTAssertGreaterThan(stats.documentsSplit, 10)
        XCTAssertEqual(stats.instances, batches.reduce(0) { $0 + $1.count })
    }

    /// An over-long sentence is cut at word starts: no word is split across instances.
    func testOverLongSentencePiecesStartAtWords() {
        var r = InstanceRandom(seed: 2, streams: 2)
        let doc = Synthetic.document(&r, sentences: 1, wordsPerSentence: 500...500)
        let (batches, stats) = build([doc], pairing: .none, shortProbability: 0)
        XCTAssertEqual(stats.sentencesSplit, 1)
        XCTAssertGreaterThan(batches[0].count, 3)
        for i in 0..<batches[0].count {
            XCTAssertFalse(vocab.isContinuation(UInt32(unmasked(batches[0], i)[1])))
        }
    }

    func testNextSentencePredictionLabelsBalancedAndSegmentsWellFormed() {
        let (docs, owner) = corpus(documents: 60, sentences: 5...40, words: 3...20)
        let (batches, stats) = build(docs, pairing: .nsp, dupe: 3)
        var random = 0, total = 0
        for (d, b) in batches.enumerated() {
            for i in 0..<b.count {
                let ids = unmasked(b, i)
                let segs = b.segmentIDs(i)
                XCTAssertLessThanOrEqual(ids.count, 128)
                let firstSep = ids.firstIndex(of: sep)!
                XCTAssertEqual(ids.last, sep); XCTAssertEqual(ids.first, cls)
                XCTAssert(segs[...firstSep].allSatisfy { $0 == 0 });
                XCTAssert(segs[(firstSep + 1)...].allSatisfy { $0 == 1 })
                XCTAssertGreaterThan(ids.count - firstSep - 2, 0, "empty B")
                let label = b.nextSentenceLabels[i]
                XCTAssert(label == 0 || label == 1)
                total += 1; random += Int(label)
                // A always from this document; B from this document when label 0, another when 1.
                for id in ids[1..<firstSep] where !vocab.isContinuation(UInt32(id)) {
                    XCTAssertEqual(owner[Int(id)], d)
                }
                for id in ids[(firstSep + 1)..<(ids.count - 1)] where !vocab.isContinuation(UInt32(id)) {
                    if label == 0 { XCTAssertEqual(owner[Int(id)], d) } else { XCTAssertNotEqual(owner[Int(id)], d) }
                }
            }
        }
        XCTAssertGreaterThan(total, 800)
        // Single-sentence chunks always take a random B (as in Google BERT), so slightly over half.
        XCTAssertEqual(Double(random) / Double(total), 0.5, accuracy: 0.06)
        XCTAssertEqual(stats.instances, total)
    }

    func testSentenceOrderSwapsWithinTheDocument() {
        let (docs, owner) = corpus(documents: 30, sentences: 1...30, words: 3...20)
        let (batches, _) = build(docs, pairing: .sop)
        var swapped = 0, total = 0
        for (d, b) in batches.enumerated() {
            var inOrder: [UInt32] = []
            for i in 0..<b.count {
                let ids = unmasked(b, i)
                for id in ids where id != cls && id != sep && !vocab.isContinuation(UInt32(id)) {
                    XCTAssertEqual(owner[Int(id)], d)
                }
                total += 1; swapped += Int(b.nextSentenceLabels[i])
                if b.nextSentenceLabels[i] == 0 { inOrder += ids.filter { $0 != cls && $0 != sep } }
            }
            _ = inOrder
        }
        XCTAssertEqual(Double(swapped) / Double(total), 0.5, accuracy: 0.08)
    }

    func testCopiesDifferAndRunsRepeat() {
        let (docs, _) = corpus(documents: 5, sentences: 5...10, words: 3...20)
        let a = build(docs, pairing: .nsp, dupe: 2)
        let b = build(docs, pairing: .nsp, dupe: 2)
        XCTAssertEqual(a.batches.map(\.inputIDs), b.batches.map(\.inputIDs))
        XCTAssertEqual(a.batches.map(\.maskedPositions), b.batches.map(\.maskedPositions))
        XCTAssertEqual(a.statistics.documents, 5)
    }

    func testInconsistentDocumentIsRejected() {
        var b = InstanceBuilder(
            options: InstanceOptions(), masking: Synthetic.masking(.token), vocabulary: vocab, seed: 1)
        var batch = InstanceBatch()
        var stats = InstanceStatistics()
        let bad = TokenizedDocument(tokens: [2000, 2001, 2002], sentenceLengths: [2])
        XCTAssertThrowsError(
            try b.build(
                bad, index: 7, copy: 0, documentCount: 8, fetch: { _, _ in },
                into: &batch, statistics: &stats)
        ) { e in
            XCTAssertEqual((e as? DocumentDefect)?.document, 7)
        }
        let outside = TokenizedDocument(tokens: [2000, 99_999], sentenceLengths: [2])
        XCTAssertThrowsError(
            try b.build(
                outside, index: 2, copy: 0, documentCount: 8, fetch: { _, _ in },
                into: &batch, statistics: &stats))
    }
}
