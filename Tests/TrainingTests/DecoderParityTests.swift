import XCTest
import Foundation
import Batches
@testable import Training

/// A fixture written by `decoders_reference.py fixture KIND`.
struct DecoderFixture {
    let file: SafeTensors.File
    let config: ModelConfig
    let decoder: DecoderOptions
    let batch: Batch

    init(_ name: String) throws {
        file = try .testFixture(name)
        config = try file.fixtureConfig()
        decoder = try JSONDecoder().decode(DecoderOptions.self, from: Data(file.metadata["decoder"]!.utf8))
        batch = try file.fixtureBatch()
    }

    func model() throws -> MaskedLanguageModel {
        let m = try MaskedLanguageModel(
            config: config,
            capacity: BatchCapacity(
                batchSize: batch.size, sequenceLength: batch.sequenceLength, maxPredictions: batch.maxPredictions),
            decoder: decoder)
        try file.readFixtureParameters(into: m)
        if file.entries["choices/unmasked"] != nil {
            m.bpdecChoices = BPDecChoices(
                unmasked: try file.ints("choices/unmasked").map { $0 != 0 },
                mixed: try file.ints("choices/mixed").map { $0 != 0 })
        }
        return m
    }
}

/// Loss, every parameter gradient and the masked logits against the fixture.
func assertDecoderParity(_ name: String, kind: DecoderOptions.Kind, tolerance: Double = 1e-4) throws {
    let f = try DecoderFixture(name)
    XCTAssertEqual(f.decoder.kind, kind)
    XCTAssertEqual(f.file.metadata["generator"], "Scripts/reference/decoders_reference.py")
    let m = try f.model()
    // Same parameter set as the twin: nothing missing, nothing extra.
    XCTAssertEqual(
        Set(m.parameters.layout.tensors.map(\.name)),
        Set(f.file.entries.keys.filter { $0.hasPrefix("param/") }.map { String($0.dropFirst(6)) }))
    m.parameters.zeroGradients()
    let out = try m.forward(f.batch)
    let ref = Double(try f.file.floats("loss")[0])
    XCTAssertLessThan(abs(out.loss - ref) / abs(ref), tolerance, "loss \(out.loss) vs \(ref)")
    m.backward()
    var largest = 0.0
    for t in m.parameters.layout.tensors {
        largest = max(largest, Double(try f.file.floats("grad/" + t.name).map { abs($0) }.max() ?? 0))
    }
    for t in m.parameters.layout.tensors {
        // A key bias's exact gradient is 0 under absolute attention (softmax is shift-invariant
        // along a row), so both sides hold float noise: judge it against 1e-2 of the largest
        // gradient, as BertParityTests does; every other tensor against 1e-3.
        let floor = (t.name.hasSuffix("key.bias") ? 1e-2 : 1e-3) * largest
        let err = relativeError(m.parameters.gradient(t), try f.file.floats("grad/" + t.name), floor: floor)
        XCTAssertLessThan(err, tolerance, "gradient of \(t.name)")
    }
    let logits = try m.maskedLogits(f.batch)
    XCTAssertLessThan(relativeError(logits, try f.file.floats("masked_logits")), tolerance)
}

/// The EMD and BPDec decoders against their PyTorch twins (`Scripts/reference/decoders_reference.py`):
/// loss, masked logits and every parameter gradient, relative error ≤ 1e-4.
final class DecoderParityTests: XCTestCase {
    func testEnhancedMaskDecoderMatchesPyTorch() throws { try assertDecoderParity("emd_tiny_parity", kind: .emd) }

    func testBPDecMatchesPyTorch() throws { try assertDecoderParity("bpdec_tiny_parity", kind: .bpdec) }

    /// The EMD re-uses the encoder's last layer: it adds no tensors; BPDec adds its blocks only
    /// under `decoder.`, which export drops.
    func testDecoderParameterNames() throws {
        let c = ModelConfig(
            vocabSize: 50, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32)
        let cap = BatchCapacity(batchSize: 1, sequenceLength: 8, maxPredictions: 2)
        let mlm = try MaskedLanguageModel(config: c, capacity: cap)
        let emd = try MaskedLanguageModel(config: c, capacity: cap, decoder: DecoderOptions(kind: .emd))
        XCTAssertEqual(mlm.parameters.layout.tensors.map(\.name), emd.parameters.layout.tensors.map(\.name))
        var o = DecoderOptions(kind: .bpdec); o.decoderLayers = 3
        let bp = try MaskedLanguageModel(config: c, capacity: cap, decoder: o)
        let extra = Set(bp.parameters.layout.tensors.map(\.name)).subtracting(mlm.parameters.layout.tensors.map(\.name))
        XCTAssertEqual(extra.count, 3 * 16)
        XCTAssertTrue(extra.allSatisfy { $0.hasPrefix("decoder.layer.") })
    }

    /// BPDec's random choices are a function of the dropout key: same key, same choices; and
    /// their frequencies follow --gua-unmask and --output-mix.
    func testBPDecChoicesAreSeededAndFollowTheRates() throws {
        let c = ModelConfig(
            vocabSize: 50, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32)
        var o = DecoderOptions(kind: .bpdec); o.guaUnmask = 0.3; o.outputMix = 0.1
        var layout = ParameterLayout()
        let enc = TransformerEncoder.register(config: c, into: &layout)
        let d = BPDecDecoder.register(options: o, encoder: enc, into: &layout)
        let plan = DropoutPlan(hidden: 0.1, attention: 0.1, seed: 42, step: 7, micro: 0)
        let a = d.draw(count: 20000, dropout: plan), b = d.draw(count: 20000, dropout: plan)
        XCTAssertEqual(a, b)
        var other = plan; other.step = 8
        XCTAssertNotEqual(a, d.draw(count: 20000, dropout: other))
        let u = Double(a.unmasked.filter { $0 }.count) / 20000, mx = Double(a.mixed.filter { $0 }.count) / 20000
        XCTAssertEqual(u, 0.3, accuracy: 0.02)
        XCTAssertEqual(mx, 0.1, accuracy: 0.01)
    }

    func testBadDecoderOptionsAreRefused() {
        let c = ModelConfig(
            vocabSize: 50, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32)
        let cap = BatchCapacity(batchSize: 1, sequenceLength: 8, maxPredictions: 2)
        var o = DecoderOptions(kind: .bpdec); o.guaUnmask = 1.5
        XCTAssertThrowsError(try MaskedLanguageModel(config: c, capacity: cap, decoder: o))
        o = DecoderOptions(kind: .emd); o.emdPasses = 0
        XCTAssertThrowsError(try MaskedLanguageModel(config: c, capacity: cap, decoder: o))
    }
}

/// DeBERTa disentangled attention (encoder and decoder blocks) against the PyTorch twin, which
/// the generator first checks against transformers' DebertaV2Encoder.
final class DisentangledAttentionParityTests: XCTestCase {
    func testMLMWithDisentangledAttentionMatchesPyTorch() throws {
        try assertDecoderParity("disentangled_mlm_tiny_parity", kind: .mlm)
    }
    func testEMDWithDisentangledAttentionMatchesPyTorch() throws {
        try assertDecoderParity("disentangled_emd_tiny_parity", kind: .emd)
    }
    func testBPDecWithDisentangledAttentionMatchesPyTorch() throws {
        try assertDecoderParity("disentangled_bpdec_tiny_parity", kind: .bpdec)
    }

    func testFixtureWasCheckedAgainstDebertaV2() throws {
        let f = try DecoderFixture("disentangled_mlm_tiny_parity")
        XCTAssertTrue(f.config.relativeAttention)
        XCTAssertLessThan(Double(f.file.metadata["deberta_v2_max_rel_err"] ?? "1") ?? 1, 1e-5)
    }

    /// Log buckets (256 up to 512) equal transformers' `make_log_bucket_position` for |δ| ≤ 700.
    func testBucketsMatchTransformers() throws {
        let f = try DecoderFixture("disentangled_mlm_tiny_parity")
        let ref = try f.file.ints("buckets_256_512")
        XCTAssertEqual(ref.count, 1401)
        for (k, delta) in (-700...700).enumerated() {
            XCTAssertEqual(
                RelativePositionWeights.bucket(delta, buckets: 256, maxPosition: 512), Int(ref[k]), "δ = \(delta)")
        }
    }

    /// Disentangled attention puts no absolute positions at the input: the position table gets
    /// no gradient from the encoder (with mlm), only from EMD's query injection.
    func testNoAbsolutePositionsAtTheInput() throws {
        let f = try DecoderFixture("disentangled_mlm_tiny_parity")
        let m = try f.model()
        m.parameters.zeroGradients()
        try m.forward(f.batch)
        m.backward()
        let t = m.parameters.layout.tensor(named: "bert.embeddings.position_embeddings.weight")!
        XCTAssertTrue(m.parameters.gradient(t).allSatisfy { $0 == 0 })
    }
}
