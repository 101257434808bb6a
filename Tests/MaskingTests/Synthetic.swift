import Foundation
@testable import Masking
import Tokenization

/// Shared fixtures: the vendored bert-base-uncased vocabulary and synthetic documents of
/// real word ids with `##` continuations, generated from a fixed seed.
enum Synthetic {
    static let vocabulary: Vocabulary = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return try! Vocabulary(path: root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path)
    }()

    static let wordIDs: [UInt32] = (0..<vocabulary.count).compactMap {
        vocabulary.isSpecial(UInt32($0)) || vocabulary.isContinuation(UInt32($0)) ? nil : UInt32($0)
    }
    static let pieceIDs: [UInt32] = (0..<vocabulary.count).compactMap {
        vocabulary.isContinuation(UInt32($0)) ? UInt32($0) : nil
    }

    /// A word: one start piece and 0-2 `##` pieces (about one word in three has pieces).
    static func word(_ r: inout InstanceRandom, from pool: [UInt32] = wordIDs, into out: inout [UInt32]) {
        out.append(pool[r.nextInt(below: pool.count)])
        let extra = r.nextInt(below: 6)
        if extra >= 4 { for _ in 0..<(extra - 3) { out.append(pieceIDs[r.nextInt(below: pieceIDs.count)]) } }
    }

    /// `sentences` sentences of `wordsPerSentence` words (drawn from `pool` when given).
    static func document(
        _ r: inout InstanceRandom, sentences: Int, wordsPerSentence: ClosedRange<Int>,
        pool: [UInt32] = wordIDs
    ) -> TokenizedDocument {
        var doc = TokenizedDocument()
        for _ in 0..<sentences {
            let before = doc.tokens.count
            for _ in 0..<r.nextInt(in: wordsPerSentence) { word(&r, from: pool, into: &doc.tokens) }
            doc.sentenceLengths.append(UInt32(doc.tokens.count - before))
        }
        return doc
    }

    /// Word start positions → end of their word, for a sequence.
    static func words(of ids: [UInt32]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var previousIsWord = false
        for (i, id) in ids.enumerated() {
            if vocabulary.isSpecial(UInt32(id)) { previousIsWord = false; continue }
            if vocabulary.isContinuation(UInt32(id)) && previousIsWord {
                out[out.count - 1] = out[out.count - 1].lowerBound..<(i + 1)
            } else {
                out.append(i..<(i + 1))
            }
            previousIsWord = true
        }
        return out
    }

    static func masking(_ strategy: MaskingStrategy, maxPredictions: Int = 20) -> MaskingOptions {
        var o = MaskingOptions()
        o.strategy = strategy
        o.maxPredictions = maxPredictions
        return o
    }

    /// Pearson chi-square statistic of `observed` counts against `expected` probabilities.
    static func chiSquare(observed: [Int], expected: [Double]) -> Double {
        let n = Double(observed.reduce(0, +))
        return zip(observed, expected).reduce(0) { acc, pair in
            let e = n * pair.1
            return acc + (Double(pair.0) - e) * (Double(pair.0) - e) / e
        }
    }
}
