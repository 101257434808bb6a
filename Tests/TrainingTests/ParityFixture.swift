import Foundation
import Loading
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
        if let path = ProcessInfo.processInfo.environment["DRBERT_TRAIN_FIXTURE"] {
            file = try SafeTensors.File(path: path)
        } else {
            guard let url = Bundle.module.url(forResource: "bert_tiny_parity", withExtension: "safetensors", subdirectory: "Fixtures") else {
                throw TrainingError.io("Fixtures/bert_tiny_parity.safetensors", "missing test resource")
            }
            file = try SafeTensors.File(path: url.path)
        }
        config = try JSONDecoder().decode(ModelConfig.self, from: Data(file.metadata["config"]!.utf8))
        let ids = try file.ints("batch/input_ids"), positions = try file.ints("batch/masked_positions")
        let b = file.entries["batch/input_ids"]!.shape[0], t = file.entries["batch/input_ids"]!.shape[1]
        var batch = Batch(size: b, sequenceLength: t, maxPredictions: positions.count / b)
        batch.inputIDs = ids
        batch.segmentIDs = try file.ints("batch/segment_ids")
        batch.attentionMask = try file.ints("batch/attention_mask")
        batch.maskedPositions = positions
        batch.maskedLabels = try file.ints("batch/masked_labels")
        self.batch = batch
        let opt = try JSONSerialization.jsonObject(with: Data(file.metadata["optimizer"]!.utf8)) as! [String: Any]
        optimizer = opt.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    func model() throws -> MaskedLanguageModel {
        let m = try MaskedLanguageModel(config: config, capacity: BatchCapacity(
            batchSize: batch.size, sequenceLength: batch.sequenceLength, maxPredictions: batch.maxPredictions))
        for t in m.parameters.layout.tensors { try file.read("param/" + t.name, into: m.parameters.value(t)) }
        return m
    }
}

/// max|a − b| / max(max|b|, floor): relative to the reference tensor's scale, so a tensor
/// of tiny values is not judged element by element against rounding noise. `floor` lets a
/// tensor whose exact value is 0 be judged against a model-wide scale: the key bias's
/// gradient is mathematically zero (softmax is shift-invariant along a row), so both sides
/// hold only float noise (~1e-8) there.
func relativeError<A: Collection, B: Collection>(_ a: A, _ b: B, floor: Double = 1e-6) -> Double where A.Element == Float, B.Element == Float {
    precondition(a.count == b.count)
    var diff = 0.0, scale = 0.0
    for (x, y) in zip(a, b) {
        diff = max(diff, Double(abs(x - y)))
        scale = max(scale, Double(abs(y)))
    }
    return diff / max(scale, floor)
}
