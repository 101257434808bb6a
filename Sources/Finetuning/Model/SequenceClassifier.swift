import Foundation
import Training

/// What the head predicts: class scores (K ≥ 2 logits, cross-entropy) or one value (MSE).
public enum HeadKind: String, Sendable, Codable { case classification, regression }

/// One padded batch: token ids, token types and attention mask [B, T] row-major, the labels
/// (class index or value) of its B examples.
public struct ClassifierBatch: Sendable {
    public var ids: [UInt32], types: [UInt32], mask: [UInt32]
    public var size: Int, length: Int
    public var labels: [Float]
    public init(ids: [UInt32], types: [UInt32], mask: [UInt32], size: Int, length: Int, labels: [Float]) {
        self.ids = ids; self.types = types; self.mask = mask; self.size = size; self.length = length
        self.labels = labels
    }

    /// Examples padded to the longest of them with id `pad` (type 0, mask 0).
    public init(rows: [(ids: [Int32], types: [Int32], label: Float)], pad: UInt32) {
        let t = rows.map(\.ids.count).max() ?? 0, b = rows.count
        ids = .init(repeating: pad, count: b * t); types = .init(repeating: 0, count: b * t)
        mask = .init(repeating: 0, count: b * t)
        for (r, row) in rows.enumerated() {
            for (j, id) in row.ids.enumerated() {
                ids[r * t + j] = UInt32(id); mask[r * t + j] = 1
                types[r * t + j] = j < row.types.count ? UInt32(row.types[j]) : 0
            }
        }
        size = b; length = t; labels = rows.map(\.label)
    }
}

/// `transformers.BertForSequenceClassification` on our kernels: `EncoderNetwork` (the
/// pretraining encoder) and `ClassifierHead`, with the loss HF picks (cross-entropy for
/// K ≥ 2 labels, MSE for one).
public final class SequenceClassifier {
    public let network: EncoderNetwork
    let head: ClassifierHead
    public let kind: HeadKind
    public let labels: Int
    var activations: [ClassifierHead.Activations]

    /// `slots`: 2 for SiFT (its perturbed passes keep their own activations).
    public init(
        config: ModelConfig, kind: HeadKind, labels: Int, maxBatch: Int, maxLength: Int, slots: Int = 1,
        weightDecay: Float = 0.01
    ) throws {
        precondition(kind == .regression ? labels == 1 : labels >= 2)
        network = try EncoderNetwork(
            config: config, maxBatch: maxBatch, maxLength: maxLength, slots: slots,
            head: ClassifierHead.tensors(hidden: config.hiddenSize, labels: labels), weightDecay: weightDecay)
        // HF: classifier_dropout when set, else hidden_dropout_prob.
        head = ClassifierHead(hidden: config.hiddenSize, labels: labels, dropout: config.hiddenDropoutProb)
        self.kind = kind; self.labels = labels
        activations = Array(repeating: .init(), count: slots)
    }

    public static var headTensors: [String] {
        [
            ClassifierHead.poolerWeight, ClassifierHead.poolerBias, ClassifierHead.classifierWeight,
            ClassifierHead.classifierBias,
        ]
    }

    public var headTensorSpecs: [EncoderNetwork.Tensor] {
        ClassifierHead.tensors(hidden: network.config.hiddenSize, labels: labels)
    }

    public func setBatch(_ b: ClassifierBatch) throws {
        try network.setInputs(ids: b.ids, types: b.types, mask: b.mask, batch: b.size, length: b.length)
    }

    /// Logits [B, K] of the current batch through slot `slot`; `prepare` may rewrite the
    /// embedding sum first (SiFT), `dropout` nil runs without dropout.
    func logits(
        slot: Int, dropout: EncoderNetwork.Dropout?, prepare: ((UnsafeMutablePointer<Float>) -> Void)? = nil
    ) -> [Float] {
        let sum = network.embed(slot: slot)
        prepare?(sum)
        let hidden = network.encode(slot: slot, dropout: dropout)
        return head.forward(
            hiddenStates: hidden, batch: network.batch, length: network.length, network: network, dropout: dropout,
            into: &activations[slot])
    }

    /// Logits of a batch without dropout (evaluation, prediction).
    public func predict(_ b: ClassifierBatch) throws -> [Float] {
        try setBatch(b)
        return logits(slot: 0, dropout: nil)
    }

    /// Backward of slot `slot` from ∂L/∂logits; returns ∂L/∂(embedding sum).
    func backward(slot: Int, dLogits: [Float], parameterGradients: Bool = true) -> UnsafePointer<Float> {
        let dHidden = network.hiddenGradient(slot: slot)
        head.backward(
            dLogits: dLogits, batch: network.batch, length: network.length, network: network, activations[slot],
            parameterGradients: parameterGradients, dHidden: dHidden)
        return network.backward(slot: slot, parameterGradients: parameterGradients)
    }

    /// The task loss of logits against the batch's labels, and its gradient.
    func loss(_ logits: [Float], labels y: [Float]) -> (loss: Double, gradient: [Float]) {
        switch kind {
        case .classification: return TaskLoss.crossEntropy(logits: logits, labels: y.map { Int($0) }, classes: labels)
        case .regression: return TaskLoss.meanSquaredError(logits: logits, values: y)
        }
    }

    /// Forward and backward of one batch without SiFT: adds every gradient, returns the loss.
    public func accumulate(_ b: ClassifierBatch, dropout: EncoderNetwork.Dropout?) throws -> Double {
        try setBatch(b)
        let z = logits(slot: 0, dropout: dropout)
        let (l, g) = loss(z, labels: b.labels)
        network.backwardEmbeddings(backward(slot: 0, dLogits: g))
        return l
    }
}
