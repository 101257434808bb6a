import XCTest
@testable import Masking
import Shards
import Tokenization

/// NSP's random next segment read in place (`DocumentView`, as `prep mask` does through its
/// scratch copy, with 2-byte token ids) must give the same instances as decoding whole documents.
final class RandomDocumentViewTests: XCTestCase {
    func testViewedRandomDocumentsGiveTheSameInstancesAsFetchedOnes() throws {
        var r = InstanceRandom(seed: 5, streams: 0)
        let pool = Array(Synthetic.wordIDs.prefix(400))
        // Long sentences at length 24 exercise the cut of over-long sentences in random documents.
        let docs = (0..<30).map { _ in
            Synthetic.document(&r, sentences: r.nextInt(in: 1...6), wordsPerSentence: 2...40, pool: pool)
        }
        // Each document stored as a shard record would be: 2-byte token ids, 4-byte sentence lengths.
        let narrow: [[UInt16]] = docs.map { $0.tokens.map { UInt16($0) } }
        var options = InstanceOptions()
        options.pairing = .nsp; options.maxSequenceLength = 24
        for strategy in [MaskingStrategy.wholeWord, .span] {
            var fetched = InstanceBuilder(
                options: options, masking: Synthetic.masking(strategy),
                vocabulary: Synthetic.vocabulary, seed: 9)
            var viewed = fetched
            var a = InstanceBatch(), b = InstanceBatch()
            var sa = InstanceStatistics(), sb = InstanceStatistics()
            for (d, doc) in docs.enumerated() {
                try fetched.build(
                    doc, index: d, copy: 0, documentCount: docs.count,
                    fetch: { i, out in out = docs[i] }, into: &a, statistics: &sa)
                try viewed.build(
                    doc, index: d, copy: 0, documentCount: docs.count,
                    viewer: { i, body in
                        try narrow[i].withUnsafeBytes { t in
                            try docs[i].sentenceLengths.withUnsafeBytes { s in
                                try body(
                                    DocumentView(
                                        tokens: ShardColumnView(
                                            base: t.baseAddress ?? UnsafeRawPointer(bitPattern: 16)!,
                                            count: narrow[i].count, width: 2),
                                        sentenceLengths: ShardColumnView(
                                            base: s.baseAddress ?? UnsafeRawPointer(bitPattern: 16)!,
                                            count: docs[i].sentenceLengths.count, width: 4)))
                            }
                        }
                    }, into: &b, statistics: &sb)
            }
            XCTAssertGreaterThan(a.count, 30)
            XCTAssertEqual(a.inputIDs, b.inputIDs)
            XCTAssertEqual(a.maskedPositions, b.maskedPositions)
            XCTAssertEqual(a.maskedLabels, b.maskedLabels)
            XCTAssertEqual(a.nextSentenceLabels, b.nextSentenceLabels)
            XCTAssertEqual(a.segmentBStarts, b.segmentBStarts)
            XCTAssertTrue(a.nextSentenceLabels.contains(1))
        }
    }
}
