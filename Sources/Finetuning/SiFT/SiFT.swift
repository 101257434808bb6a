import Foundation
import Training

/// SiFT, scale-invariant fine-tuning (He et al., DeBERTa; the algorithm and defaults of
/// `DeBERTa/sift/sift.py` in microsoft/DeBERTa, restated in docs/finetuning.md):
///
/// - the input of the embeddings' LayerNorm (word + position + token-type embeddings) is
///   first normalised without affine parameters (eps 1e-7) — in every forward, not only the
///   perturbed ones — and the perturbation δ is added to that normalised input;
/// - δ₀ ~ N(0, ε²) clipped to ±2ε per element (ε = `initialPerturbation`, 1e-2);
/// - one power-iteration step: the perturbed logits' summed symmetric KL to the clean
///   (detached) logits is back-propagated to δ with the parameters frozen, and
///   δ₁ = δ₀ + η · g / (1e-6 + max|g| over each token's hidden vector) (η = `stepSize`,
///   1e-4); a non-finite ‖g‖ keeps δ₀;
/// - the adversarial loss is the batch mean of the symmetric KL between the logits at
///   δ₁ and the clean logits (neither detached), weighted by λ and added to the task loss.
public struct SiFTOptions: Sendable, Equatable, Codable {
    /// ε: standard deviation of the initial perturbation (DeBERTa `vat_init_perturbation`).
    public var initialPerturbation: Float = 1e-2
    /// η: step of the power iteration (DeBERTa `vat_learning_rate`).
    public var stepSize: Float = 1e-4
    /// λ: weight of the adversarial loss (DeBERTa `vat_lambda`; its MNLI scripts use 3–5).
    public var lambda: Float = 1
    /// eps of the affine-free LayerNorm (`PerturbationLayer`'s, fixed there).
    public static let normEps: Float = 1e-7
    public init(initialPerturbation: Float = 1e-2, stepSize: Float = 1e-4, lambda: Float = 1) {
        self.initialPerturbation = initialPerturbation; self.stepSize = stepSize; self.lambda = lambda
    }

    enum CodingKeys: String, CodingKey {
        case initialPerturbation = "init_perturbation", stepSize = "step_size", lambda
    }
}

/// The losses of one SiFT step.
public struct SiFTLosses: Sendable, Equatable {
    public var task: Double, adversarial: Double
    public var total: Double
    /// Whether the power iteration's gradient was finite (else δ₀ was used).
    public var updated: Bool
}

extension SequenceClassifier {
    /// Forward and backward of one batch with SiFT (the classifier needs 2 slots): the
    /// clean pass in slot 0, both perturbed passes in slot 1. Adds every parameter gradient
    /// of task loss + λ · adversarial loss. `noise` gives δ₀ ([B·T·H] values, already
    /// clipped); `dropout(pass)` the dropout of each pass (0 clean, 1 and 2 perturbed).
    public func accumulateSiFT(
        _ b: ClassifierBatch, options o: SiFTOptions, noise: [Float],
        dropout: (Int) -> EncoderNetwork.Dropout?
    ) throws -> SiFTLosses {
        precondition(kind == .classification, "SiFT's symmetric KL over one logit is identically zero")
        try setBatch(b)
        let h = network.config.hiddenSize, rows = b.size * b.length, count = rows * h
        precondition(noise.count == count)
        var norm = ScaleFreeNorm(columns: h, eps: SiFTOptions.normEps)
        let clean = logits(slot: 0, dropout: dropout(0)) { norm.forward($0, rows: rows) }
        let (taskLoss, taskGradient) = loss(clean, labels: b.labels)
        let normalized = Array(UnsafeBufferPointer(start: network.embeddingSum(slot: 0), count: count))
        let k = labels
        let pClean = (0..<b.size).map { TaskLoss.softmax(clean, row: $0, classes: k) }

        func perturbed(_ delta: [Float], pass: Int) -> [Float] {
            logits(slot: 1, dropout: dropout(pass)) { sum in
                for i in 0..<count { sum[i] = normalized[i] + delta[i] }
            }
        }
        // Power iteration: ∂(Σ_rows symmetric KL(perturbed, clean.detach))/∂δ. With the
        // target detached only the forward cross-entropy has a gradient: softmax(s) − p.
        let first = perturbed(noise, pass: 1)
        var dFirst = [Float](repeating: 0, count: b.size * k)
        for r in 0..<b.size {
            let p = TaskLoss.softmax(first, row: r, classes: k)
            for c in 0..<k { dFirst[r * k + c] = p[c] - pClean[r][c] }
        }
        let g = backward(slot: 1, dLogits: dFirst, parameterGradients: false)
        var squares = 0.0
        for i in 0..<count { squares += Double(g[i]) * Double(g[i]) }
        var delta = noise
        let updated = squares.isFinite
        if updated {
            for r in 0..<rows {
                var m: Float = 0
                for j in 0..<h { m = max(m, abs(g[r * h + j])) }
                for j in 0..<h { delta[r * h + j] += o.stepSize * g[r * h + j] / (1e-6 + m) }
            }
        }
        // The adversarial loss at δ₁: mean over rows of Σ p_c·(−log p_s) + Σ p_s·(−log p_c),
        // the probabilities that multiply the log-probabilities detached (as in sift.py).
        let second = perturbed(delta, pass: 2)
        var adversarial = 0.0
        var dSecond = [Float](repeating: 0, count: b.size * k), dClean = taskGradient
        let w = o.lambda / Float(b.size)
        for r in 0..<b.size {
            let ps = TaskLoss.softmax(second, row: r, classes: k), pc = pClean[r]
            let ls = TaskLoss.logSoftmax(second, row: r, classes: k)
            let lc = TaskLoss.logSoftmax(clean, row: r, classes: k)
            for c in 0..<k {
                adversarial -= Double(pc[c]) * ls[c] + Double(ps[c]) * lc[c]
                dSecond[r * k + c] = w * (ps[c] - pc[c])
                dClean[r * k + c] += w * (pc[c] - ps[c])
            }
        }
        adversarial /= Double(b.size)
        // The perturbed input is (normalised input).detach() + δ: its gradient stops there.
        _ = backward(slot: 1, dLogits: dSecond)
        let dNormalized = backward(slot: 0, dLogits: dClean)
        let dSum = norm.backward(dNormalized, rows: rows)
        dSum.withUnsafeBufferPointer { network.backwardEmbeddings($0.baseAddress!) }
        let total = taskLoss + Double(o.lambda) * adversarial
        return SiFTLosses(task: taskLoss, adversarial: adversarial, total: total, updated: updated)
    }
}

/// δ₀ for SiFT: N(0, ε²) clipped to ±2ε, from the run's seeded generator.
struct PerturbationNoise {
    var rng: SplitMix64
    mutating func draw(count: Int, epsilon e: Float) -> [Float] {
        (0..<count).map { _ in min(max(Float(rng.nextGaussian()) * e, -2 * e), 2 * e) }
    }
}
