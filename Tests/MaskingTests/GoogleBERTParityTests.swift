import Foundation
import XCTest
@testable import Masking

/// `--pairs nsp` with per-token masking against Google BERT's own `create_pretraining_data.py`
/// (bert-tensorflow 1.0.4) on the same 75 tokenized documents (King James Bible chapters from
/// Corpora/en). The fixture holds the documents and the reference's statistics, written by
/// Scripts/reference/google_bert_nsp_reference.py; the generators differ, so the distributions
/// are compared, with the tolerances stored in the fixture.
final class GoogleBERTParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Document: Decodable { var sentences: [[UInt32]] }
        var reference: String
        var dupe_factor: Int
        var tolerance: [String: [AnyCodable]]
        var reference_statistics: [String: Double]
        var documents: [Document]
    }

    /// "rel"/"abs" and a number.
    enum AnyCodable: Decodable {
        case text(String), number(Double)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .text(try c.decode(String.self)) }
        }
    }

    func testNextSentencePredictionMatchesGoogleBERTDistributions() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MaskingFixtures/google-bert-nsp.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        XCTAssert(fixture.reference.contains("bert-tensorflow 1.0.4"))
        let docs = fixture.documents.map { d in
            TokenizedDocument(tokens: d.sentences.flatMap { $0 }, sentenceLengths: d.sentences.map { UInt32($0.count) })
        }
        var options = InstanceOptions()
        options.pairing = .nsp
        var masking = MaskingOptions()
        masking.maxPredictions = 20
        var builder = InstanceBuilder(options: options, masking: masking, vocabulary: Synthetic.vocabulary, seed: 12345)
        var batch = InstanceBatch()
        var stats = InstanceStatistics()
        for c in 0..<fixture.dupe_factor {
            for (d, doc) in docs.enumerated() {
                try builder.build(
                    doc, index: d, copy: c, documentCount: docs.count, fetch: { i, out in out = docs[i] },
                    into: &batch, statistics: &stats)
            }
        }
        let ours = statistics(batch, documents: docs.count, dupe: fixture.dupe_factor)
        for (key, rule) in fixture.tolerance {
            guard case let .text(kind) = rule[0], case let .number(tolerance) = rule[1],
                let reference = fixture.reference_statistics[key], let value = ours[key]
            else {
                return XCTFail("fixture entry \(key) not understood")
            }
            let difference = abs(value - reference) / (kind == "rel" ? abs(reference) : 1)
            XCTAssertLessThanOrEqual(difference, tolerance, "\(key): ours \(value), Google BERT \(reference)")
        }
    }

    /// The statistics of the reference script, computed the same way.
    func statistics(_ b: InstanceBatch, documents: Int, dupe: Int) -> [String: Double] {
        let n = Double(b.count)
        var length = 0.0, full = 0.0, short = 0.0, a = 0.0, bLength = 0.0, random = 0.0, masked = 0.0
        var outcome = [0.0, 0.0, 0.0]
        let maskID = UInt32(Synthetic.vocabulary.special.mask!)
        for i in 0..<b.count {
            let t = b.tokenRange(i)
            length += Double(t.count)
            if t.count == 128 { full += 1 }
            if t.count < 64 { short += 1 }
            let zeros = b.segmentIDs(i).filter { $0 == 0 }.count
            a += Double(zeros - 2); bLength += Double(t.count - zeros - 1)
            random += Double(b.nextSentenceLabels[i])
            let m = b.maskRange(i)
            masked += Double(m.count)
            for k in m {
                let shown = b.inputIDs[t.lowerBound + Int(b.maskedPositions[k])]
                outcome[shown == maskID ? 0 : shown == b.maskedLabels[k] ? 1 : 2] += 1
            }
        }
        let total = outcome.reduce(0, +)
        return [
            "instances_per_document_copy": n / Double(documents * dupe), "mean_length": length / n,
            "full_length_fraction": full / n, "short_fraction": short / n, "mean_length_a": a / n,
            "mean_length_b": bLength / n, "random_next_fraction": random / n, "mean_masked": masked / n,
            "mask_fraction": outcome[0] / total, "kept_fraction": outcome[1] / total,
            "random_fraction": outcome[2] / total,
        ]
    }
}
