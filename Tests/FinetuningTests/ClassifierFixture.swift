import Foundation
@testable import Finetuning
@testable import Training

/// A fixture of `Scripts/reference/finetune_reference.py fixtures` (PyTorch twins, checked
/// there against `transformers.BertForSequenceClassification` and DeBERTa's sift.py):
/// `param/*` weights, a padded `batch/*`, `logits`, `loss` and `grad/*` of every parameter.
struct ClassifierFixture {
    let file: SafeTensors.File
    let config: ModelConfig
    let labels: Int
    let batch: ClassifierBatch

    /// `Fixtures/<name>.safetensors`, or the file `DRBERT_FINETUNE_FIXTURES/<name>.safetensors`
    /// when that variable is set (a freshly generated set, Scripts/parity/finetune).
    init(_ name: String) throws {
        if let dir = ProcessInfo.processInfo.environment["DRBERT_FINETUNE_FIXTURES"] {
            file = try SafeTensors.File(path: "\(dir)/\(name).safetensors")
        } else {
            guard let url = Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures")
            else { throw TrainingError.io("Fixtures/\(name).safetensors", "missing test resource") }
            file = try SafeTensors.File(path: url.path)
        }
        config = try JSONDecoder().decode(ModelConfig.self, from: Data(file.metadata["config"]!.utf8))
        labels = Int(file.metadata["num_labels"]!)!
        let shape = file.entries["batch/input_ids"]!.shape
        batch = ClassifierBatch(
            ids: try file.ints("batch/input_ids").map { UInt32($0) },
            types: try file.ints("batch/token_type_ids").map { UInt32($0) },
            mask: try file.ints("batch/attention_mask").map { UInt32($0) }, size: shape[0], length: shape[1],
            labels: try file.floats("batch/labels"))
    }

    func classifier(slots: Int = 1) throws -> SequenceClassifier {
        let c = try SequenceClassifier(
            config: config, kind: labels == 1 ? .regression : .classification, labels: labels,
            maxBatch: batch.size, maxLength: batch.length, slots: slots)
        for t in c.network.tensors { try file.read("param/" + t.name, into: c.network.values(t.name)) }
        return c
    }

    func floats(_ name: String) throws -> [Float] { try file.floats(name) }
}

/// max|a − b| / max(max|b|, floor): relative to the reference tensor's scale.
func relativeError(_ a: [Float], _ b: [Float], floor: Double = 1e-6) -> Double {
    precondition(a.count == b.count)
    var diff = 0.0, scale = 0.0
    for (x, y) in zip(a, b) {
        diff = max(diff, Double(abs(x - y)))
        scale = max(scale, Double(abs(y)))
    }
    return diff / max(scale, floor)
}

/// The largest relative gradient error over the model, and where. The key bias's gradient
/// is mathematically zero (softmax is shift-invariant along a row), so both sides hold only
/// float noise there: it is judged against the model's largest gradient instead.
func worstGradientError(_ c: SequenceClassifier, _ f: ClassifierFixture) throws -> (String, Double) {
    var scale = 0.0
    for t in c.network.tensors { scale = max(scale, Double(try f.floats("grad/" + t.name).map { abs($0) }.max()!)) }
    var worst = ("", 0.0)
    for t in c.network.tensors {
        let floor = t.name.hasSuffix("attention.self.key.bias") ? scale : 1e-6
        let e = relativeError(Array(c.network.gradients(t.name)), try f.floats("grad/" + t.name), floor: floor)
        if e > worst.1 { worst = (t.name, e) }
    }
    print("worst gradient error \(worst.1) at \(worst.0)")
    return worst
}
