import Foundation
import Training

/// `BertForSequenceClassification`'s head over the encoder: the pooler (dense + tanh on the
/// [CLS] row, HF `BertPooler`), dropout, and the classifier (`classifier`, [K, H]). Its
/// tensors live in the encoder's arena under HF's names, so checkpoints and exports carry
/// them and AdamW updates them with the rest.
///
/// The head sees one row per example, so plain loops are enough: its B·H·(H+K)
/// multiply-adds are a rounding error beside the encoder's GEMMs.
struct ClassifierHead {
    static let poolerWeight = "bert.pooler.dense.weight", poolerBias = "bert.pooler.dense.bias"
    static let classifierWeight = "classifier.weight", classifierBias = "classifier.bias"

    static func tensors(hidden h: Int, labels k: Int) -> [EncoderNetwork.Tensor] {
        [
            .init(name: poolerWeight, shape: [h, h]), .init(name: poolerBias, shape: [h]),
            .init(name: classifierWeight, shape: [k, h]), .init(name: classifierBias, shape: [k]),
        ]
    }

    /// What one forward keeps for its backward.
    struct Activations {
        var cls: [Float] = [], pooled: [Float] = [], dropped: [Float] = []
        var keep: [Bool] = []
        var scale: Float = 1
    }

    let hidden: Int, labels: Int
    let dropout: Float

    /// Logits [B, K] from the final hidden states [B·T, H] (row b·T is example b's [CLS]).
    func forward(
        hiddenStates: UnsafePointer<Float>, batch b: Int, length t: Int, network: EncoderNetwork,
        dropout key: EncoderNetwork.Dropout?, into a: inout Activations
    ) -> [Float] {
        let h = hidden, k = labels
        let wp = network.values(Self.poolerWeight), bp = network.values(Self.poolerBias)
        let wc = network.values(Self.classifierWeight), bc = network.values(Self.classifierBias)
        a.cls = [Float](repeating: 0, count: b * h)
        for r in 0..<b { for j in 0..<h { a.cls[r * h + j] = hiddenStates[r * t * h + j] } }
        a.pooled = [Float](repeating: 0, count: b * h)
        for r in 0..<b {
            for o in 0..<h {
                var s = bp[o]
                for i in 0..<h { s += a.cls[r * h + i] * wp[o * h + i] }
                a.pooled[r * h + o] = tanhf(s)
            }
        }
        a.dropped = a.pooled
        if let key, dropout > 0 {
            a.keep = HeadDropout.mask(count: b * h, p: dropout, key: key.key(site: 0))
            a.scale = 1 / (1 - dropout)
            for i in 0..<(b * h) { a.dropped[i] = a.keep[i] ? a.pooled[i] * a.scale : 0 }
        } else {
            a.keep = []
        }
        var logits = [Float](repeating: 0, count: b * k)
        for r in 0..<b {
            for c in 0..<k {
                var s = bc[c]
                for i in 0..<h { s += a.dropped[r * h + i] * wc[c * h + i] }
                logits[r * k + c] = s
            }
        }
        return logits
    }

    /// Backward from ∂L/∂logits [B, K]: adds the head's parameter gradients (unless
    /// `parameterGradients` is false) and writes ∂L/∂[CLS] rows into `dHidden` [B·T, H]
    /// (already zeroed by `EncoderNetwork.hiddenGradient`).
    func backward(
        dLogits: [Float], batch b: Int, length t: Int, network: EncoderNetwork, _ a: Activations,
        parameterGradients: Bool, dHidden: UnsafeMutablePointer<Float>
    ) {
        let h = hidden, k = labels
        let wp = network.values(Self.poolerWeight), wc = network.values(Self.classifierWeight)
        var dDropped = [Float](repeating: 0, count: b * h)
        for r in 0..<b {
            for c in 0..<k {
                let g = dLogits[r * k + c]
                for i in 0..<h { dDropped[r * h + i] += g * wc[c * h + i] }
            }
        }
        if parameterGradients {
            let gwc = network.gradients(Self.classifierWeight), gbc = network.gradients(Self.classifierBias)
            for c in 0..<k {
                for r in 0..<b {
                    let g = dLogits[r * k + c]
                    gbc[c] += g
                    for i in 0..<h { gwc[c * h + i] += g * a.dropped[r * h + i] }
                }
            }
        }
        // Through dropout and tanh: ∂/∂(pooler pre-activation).
        var dPre = dDropped
        for i in 0..<(b * h) {
            var g = dDropped[i]
            if !a.keep.isEmpty { g = a.keep[i] ? g * a.scale : 0 }
            let y = a.pooled[i]
            dPre[i] = g * (1 - y * y)
        }
        if parameterGradients {
            let gwp = network.gradients(Self.poolerWeight), gbp = network.gradients(Self.poolerBias)
            for o in 0..<h {
                for r in 0..<b {
                    let g = dPre[r * h + o]
                    gbp[o] += g
                    for i in 0..<h { gwp[o * h + i] += g * a.cls[r * h + i] }
                }
            }
        }
        for r in 0..<b {
            let row = dHidden + r * t * h
            for o in 0..<h {
                let g = dPre[r * h + o]
                if g == 0 { continue }
                for i in 0..<h { row[i] += g * wp[o * h + i] }
            }
        }
    }
}

/// The head's dropout mask: a pure function of (key, element), like the encoder's, so a
/// pass's mask needs no storage across runs and does not depend on the thread count.
enum HeadDropout {
    static func mask(count: Int, p: Float, key: UInt64) -> [Bool] {
        let threshold = UInt64(Double(p) * 18_446_744_073_709_551_615.0)
        return (0..<count).map { SplitMix64.mix(key &+ UInt64($0) &* 0x9E37_79B9_7F4A_7C15) >= threshold }
    }
}
