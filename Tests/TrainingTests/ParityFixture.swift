import Foundation
import Batches
@testable import Training

/// The fixture written by `Scripts/reference/bert_reference.py fixture` (PyTorch twin,
/// checked there against `transformers.BertForMaskedLM`).
struct ParityFixture {
    let file: SafeTensors.File
    let config: ModelConfig
    let batch: Batch
    let optimizer: [String: Double]

    /// The committed fixture, or a freshly generated one named by `DRBERT_TRAIN_FIXTURE`
    /// (Scripts/parity/train-bert).
    init() throws {
        file = try .testFixture("bert_tiny_parity", unlessSetIn: "DRBERT_TRAIN_FIXTURE")
        config = try file.fixtureConfig()
        batch = try file.fixtureBatch()
        let opt = try JSONSerialization.jsonObject(with: Data(file.metadata["optimizer"]!.utf8)) as! [String: Any]
        optimizer = opt.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    func model() throws -> MaskedLanguageModel {
        let m = try MaskedLanguageModel(
            config: config,
            capacity: BatchCapacity(
                batchSize: batch.size, sequenceLength: batch.sequenceLength, maxPredictions: batch.maxPredictions))
        try file.readFixtureParameters(into: m)
        return m
    }
}

/// Reading the fixtures the reference scripts write (`Scripts/reference/bert_reference.py`,
/// `decoders_reference.py`): the same `config` metadata, `batch/*` and `param/*` tensors.
extension SafeTensors.File {
    /// The file the environment variable `variable` names when it is set (a freshly generated
    /// fixture, for a live check), else the committed `Fixtures/<name>.safetensors`.
    static func testFixture(_ name: String, unlessSetIn variable: String) throws -> SafeTensors.File {
        if let path = ProcessInfo.processInfo.environment[variable] { return try SafeTensors.File(path: path) }
        return try testFixture(name)
    }

    /// `Fixtures/<name>.safetensors` from the test bundle.
    static func testFixture(_ name: String) throws -> SafeTensors.File {
        guard let url = Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures")
        else {
            throw TrainingError.io("Fixtures/\(name).safetensors", "missing test resource")
        }
        return try SafeTensors.File(path: url.path)
    }

    func fixtureConfig() throws -> ModelConfig {
        try JSONDecoder().decode(ModelConfig.self, from: Data(metadata["config"]!.utf8))
    }

    /// The `batch/*` tensors as the loader's batch.
    func fixtureBatch() throws -> Batch {
        let ids = try column("batch/input_ids"), positions = try column("batch/masked_positions")
        let b = entries["batch/input_ids"]!.shape[0], t = entries["batch/input_ids"]!.shape[1]
        var batch = Batch(size: b, sequenceLength: t, maxPredictions: positions.count / b)
        batch.inputIDs = ids
        batch.segmentIDs = try column("batch/segment_ids")
        batch.attentionMask = try column("batch/attention_mask")
        batch.maskedPositions = positions
        batch.maskedLabels = try column("batch/masked_labels")
        return batch
    }

    /// An integer tensor as a batch column; the reference's negative labels (padding slots)
    /// become `Batch.noLabel`.
    func column(_ name: String) throws -> [UInt32] {
        try ints(name).map { $0 < 0 ? Batch.noLabel : UInt32($0) }
    }

    /// Every tensor of `m`'s layout from `param/<name>`.
    func readFixtureParameters(into m: MaskedLanguageModel) throws {
        for t in m.parameters.layout.tensors { try read("param/" + t.name, into: m.parameters.value(t)) }
    }
}

/// max|a − b| / max(max|b|, floor): relative to the reference tensor's scale, so a tensor
/// of tiny values is not judged element by element against rounding noise. `floor` lets a
/// tensor whose exact value is 0 be judged against a model-wide scale: the key bias's
/// gradient is mathematically zero (softmax is shift-invariant along a row), so both sides
/// hold only float noise (~1e-8) there.
func relativeError<A: Collection, B: Collection>(_ a: A, _ b: B, floor: Double = 1e-6) -> Double
where A.Element == Float, B.Element == Float {
    precondition(a.count == b.count)
    var diff = 0.0, scale = 0.0
    for (x, y) in zip(a, b) {
        diff = max(diff, Double(abs(x - y)))
        scale = max(scale, Double(abs(y)))
    }
    return diff / max(scale, floor)
}
