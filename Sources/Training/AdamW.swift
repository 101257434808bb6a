import Foundation

/// AdamW (Loshchilov & Hutter), matching `torch.optim.AdamW`: decoupled weight decay
/// p ← p·(1 − lr·wd) applied before the Adam update, bias-corrected moments.
/// Weight decay is skipped for tensors whose `decays` is false (biases, LayerNorm).
final class AdamW {
    var beta1: Float = 0.9
    var beta2: Float = 0.999
    var epsilon: Float = 1e-6
    var weightDecay: Float
    /// Optimizer steps taken (the bias-correction exponent).
    private(set) var step = 0
    let firstMoment: UnsafeMutablePointer<Float>
    let secondMoment: UnsafeMutablePointer<Float>
    let layout: ParameterLayout

    init(layout: ParameterLayout, weightDecay: Float) {
        self.layout = layout
        self.weightDecay = weightDecay
        firstMoment = .allocate(capacity: max(1, layout.count))
        secondMoment = .allocate(capacity: max(1, layout.count))
        firstMoment.initialize(repeating: 0, count: max(1, layout.count))
        secondMoment.initialize(repeating: 0, count: max(1, layout.count))
    }

    deinit { firstMoment.deallocate(); secondMoment.deallocate() }

    /// One update of `arena.values` from `arena.gradients` at learning rate `lr`; each gradient
    /// is multiplied by `gradientScale` as it is read (the clipping coefficient, see
    /// `clipAndUpdate`), which rounds exactly as scaling the gradients in place first would.
    ///
    /// With `zeroingGradients` it also clears each gradient once read, instead of the
    /// trainer's separate `zeroGradients` pass before the next step (one pass over all
    /// gradients fewer: 45 MB for `mini`); the gradients are then no longer readable.
    func update(_ arena: ParameterArena, lr: Float, gradientScale: Float = 1, zeroingGradients: Bool = false) {
        step += 1
        let b1 = beta1, b2 = beta2, eps = epsilon
        let c1 = 1 - Float(pow(Double(b1), Double(step)))
        let c2 = Float((1 - pow(Double(b2), Double(step))).squareRoot())
        let stepSize = lr / c1
        let m = firstMoment, v = secondMoment, p = arena.values, g = arena.gradients
        let scaled = gradientScale != 1, gs = gradientScale
        for t in layout.tensors {
            let decay: Float = t.decays ? 1 - lr * weightDecay : 1
            let o = t.offset
            Parallel.chunks(t.count, minimumPerThread: 32768) { _, r in
                // SIMD8 lanes with the scalar expression's operations in the same order (no
                // fused multiply-adds), so both loops give the same bits; the compiler does
                // not vectorise the scalar loop itself (the four buffers might alias).
                typealias V = SIMD8<Float>
                var i = o + r.lowerBound
                let end = o + r.upperBound
                while i + 8 <= end {
                    var gi = UnsafeRawPointer(g + i).loadUnaligned(as: V.self)
                    if zeroingGradients { UnsafeMutableRawPointer(g + i).storeBytes(of: V(), as: V.self) }
                    if scaled { gi = gi * gs }
                    let mi = b1 * UnsafeRawPointer(m + i).loadUnaligned(as: V.self) + (1 - b1) * gi
                    let vi = b2 * UnsafeRawPointer(v + i).loadUnaligned(as: V.self) + (1 - b2) * gi * gi
                    let pi =
                        UnsafeRawPointer(p + i).loadUnaligned(as: V.self) * decay - stepSize * mi
                        / (vi.squareRoot() / c2 + eps)
                    UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: V.self)
                    UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: V.self)
                    UnsafeMutableRawPointer(p + i).storeBytes(of: pi, as: V.self)
                    i += 8
                }
                while i < end {
                    let gi = scaled ? g[i] * gs : g[i]
                    if zeroingGradients { g[i] = 0 }
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                    p[i] = p[i] * decay - stepSize * m[i] / (v[i].squareRoot() / c2 + eps)
                    i += 1
                }
            }
        }
    }

    /// `clipGradientNorm` then `update` with one pass over the gradients fewer: the clip
    /// coefficient is applied as the optimizer reads each gradient, so `arena.gradients` are
    /// left unscaled. `norm`, when given, is the gradients' global norm already computed (the
    /// trainer checks it is finite first). Returns the norm before clipping.
    @discardableResult
    func clipAndUpdate(
        _ arena: ParameterArena, lr: Float, maxGradNorm: Float, norm: Double? = nil,
        zeroingGradients: Bool = false
    ) -> Double {
        let norm = norm ?? arena.gradientNorm()
        update(
            arena, lr: lr, gradientScale: clipCoefficient(norm: norm, maxNorm: maxGradNorm),
            zeroingGradients: zeroingGradients)
        return norm
    }

    /// Restores the step count (with the moments loaded separately) on resume.
    func restore(step: Int) { self.step = step }
}

/// Scales all gradients so their global L2 norm is at most `maxNorm`
/// (`torch.nn.utils.clip_grad_norm_`: coefficient maxNorm / (norm + 1e-6)). Returns the norm before clipping.
@discardableResult
func clipGradientNorm(_ arena: ParameterArena, maxNorm: Float) -> Double {
    let norm = arena.gradientNorm()
    let c = clipCoefficient(norm: norm, maxNorm: maxNorm)
    if c != 1 {
        let g = arena.gradients
        Parallel.chunks(arena.count, minimumPerThread: 65536) { _, r in for i in r { g[i] *= c } }
    }
    return norm
}

/// The factor `clipGradientNorm` scales the gradients by: maxNorm / (norm + 1e-6) when that
/// is below 1, else 1 (no clipping; also when `maxNorm` ≤ 0).
func clipCoefficient(norm: Double, maxNorm: Float) -> Float {
    guard maxNorm > 0 else { return 1 }
    let coef = Double(maxNorm) / (norm + 1e-6)
    return coef < 1 ? Float(coef) : 1
}

/// Linear warmup to the peak rate, then linear or cosine decay to 0 at `totalSteps`.
/// Steps count from 1 (the first update uses lr·1/warmup, not 0 as HF's scheduler does).
/// How the learning rate falls after warmup (`--decay`).
public enum LearningRateDecay: String, Codable, Sendable, CaseIterable { case linear, cosine, constant }

struct LearningRateSchedule: Codable, Sendable, Equatable {
    typealias Decay = LearningRateDecay
    var peak: Float
    var warmupSteps: Int
    var totalSteps: Int
    var decay: Decay

    init(peak: Float, warmupSteps: Int, totalSteps: Int, decay: Decay = .linear) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps; self.decay = decay
    }

    func rate(at step: Int) -> Float {
        if warmupSteps > 0 && step <= warmupSteps { return peak * Float(step) / Float(warmupSteps) }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        switch decay {
        case .constant: return peak
        case .linear: return peak * Float(max(0, 1 - progress))
        case .cosine: return peak * Float(0.5 * (1 + cos(Double.pi * min(1, progress))))
        }
    }
}
