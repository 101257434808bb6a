import XCTest
import Foundation
@testable import Training

/// The SIMD paths against plain scalar formulas, on sizes that are not multiples of the
/// vector width (the parity fixture's sizes are).
final class OpsTests: XCTestCase {
    func randoms(_ n: Int, seed: UInt64, scale: Double = 1) -> [Float] {
        var r = SplitMix64(seed: seed)
        return (0..<n).map { _ in Float(r.nextGaussian() * scale) }
    }

    func testFastExpAndGELUMatchLibm() {
        let x = randoms(1001, seed: 1, scale: 4)
        var out = [Float](repeating: 0, count: x.count), der = out
        GELU.forward(out: &out, derivative: &der, inp: x, count: x.count)
        for i in 0..<x.count {
            let v = x[i], cdf = 0.5 * (1 + erff(v / 2.0.squareRoot().f))
            XCTAssertEqual(out[i], v * cdf, accuracy: 1e-6 * max(1, abs(v)))
            XCTAssertEqual(der[i], cdf + v * expf(-0.5 * v * v) / (2 * Float.pi).squareRoot(), accuracy: 1e-6)
        }
        for v: Float in [-87, -10, -1e-3, 0, 1e-3, 1, 10, 80] {
            let e = FastMath.exp(FastMath.V(repeating: v))[0]
            XCTAssertEqual(e, expf(v), accuracy: 3e-7 * expf(v))
        }
    }

    func testLayerNormOddWidth() {
        let c = 13, n = 5
        let x = randoms(n * c, seed: 2), g = randoms(c, seed: 3), b = randoms(c, seed: 4)
        var y = [Float](repeating: 0, count: n * c), mean = [Float](repeating: 0, count: n), rstd = mean
        LayerNorm.forward(out: &y, mean: &mean, rstd: &rstd, inp: x, gamma: g, beta: b, rows: n, columns: c, eps: 1e-12)
        for r in 0..<n {
            let row = x[(r * c)..<((r + 1) * c)].map(Double.init)
            let m = row.reduce(0, +) / Double(c)
            let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(c)
            for j in 0..<c {
                XCTAssertEqual(
                    Double(y[r * c + j]), (row[j] - m) / v.squareRoot() * Double(g[j]) + Double(b[j]), accuracy: 1e-5)
            }
        }
    }

    func testReductionsOddLength() {
        let a = randoms(37, seed: 5), b = randoms(37, seed: 6)
        XCTAssertEqual(FastMath.sum(a, 37), a.reduce(0, +), accuracy: 1e-5)
        XCTAssertEqual(FastMath.dot(a, b, 37), zip(a, b).map(*).reduce(0, +), accuracy: 1e-5)
        XCTAssertEqual(FastMath.max(a, 37), a.max()!)
        var e = a
        let s = FastMath.expShiftInPlace(&e, 37, shift: 1)
        XCTAssertEqual(s, a.map { expf($0 - 1) }.reduce(0, +), accuracy: 1e-4)
        XCTAssertEqual(e[36], expf(a[36] - 1), accuracy: 1e-6)
    }

    /// The lane-wise dropout paths draw exactly `Dropout.keeps`'s mask (the readable
    /// definition), from odd offsets and with tails, and the fused bias sums equal column sums.
    func testDropoutLanesMatchScalarMask() {
        let p: Float = 0.3, key = Dropout.key(seed: 5, step: 2, micro: 0, site: 3)
        let t = Dropout.threshold(p), scale = 1 / (1 - p)
        let x = randoms(1003, seed: 7)
        func expected(_ i: Int, first: Int) -> Float { Dropout.keeps(key, first + i, threshold: t) ? x[i] * scale : 0 }
        for first in [0, 1, 6, 11] {
            var y = x
            Dropout.apply(&y, count: x.count, p: p, key: key, first: first)
            for i in 0..<x.count { XCTAssertEqual(y[i], expected(i, first: first), "first \(first), element \(i)") }
            var z = x
            Dropout.applySerial(&z, count: x.count, p: p, key: key, first: first)
            XCTAssertEqual(z, y)
        }
        let r = randoms(x.count, seed: 8)
        var sum = x
        Dropout.applyAdding(&sum, residual: r, count: x.count, p: p, key: key)
        for i in 0..<x.count { XCTAssertEqual(sum[i], expected(i, first: 0) + r[i]) }
        // [17, 59]: 59 columns, so the column blocks have a tail.
        let rows = 17, cols = 59
        var out = [Float](repeating: 0, count: rows * cols), bias = randoms(cols, seed: 9), ref = bias
        Dropout.apply(into: &out, from: x, rows: rows, columns: cols, p: p, key: key, biasGradient: &bias)
        for i in 0..<(rows * cols) { XCTAssertEqual(out[i], expected(i, first: 0)) }
        ColumnSum.accumulate(into: &ref, out, rows: rows, columns: cols)
        XCTAssertEqual(bias, ref)
    }

    func testFusedGELUBackwardAndBiasSum() {
        let rows = 9, cols = 37
        let dout = randoms(rows * cols, seed: 10), der = randoms(rows * cols, seed: 11)
        var dinp = [Float](repeating: 0, count: rows * cols), bias = randoms(cols, seed: 12), ref = bias
        GELU.backward(dinp: &dinp, dout: dout, derivative: der, rows: rows, columns: cols, biasGradient: &bias)
        for i in 0..<(rows * cols) { XCTAssertEqual(dinp[i], dout[i] * der[i]) }
        ColumnSum.accumulate(into: &ref, dinp, rows: rows, columns: cols)
        XCTAssertEqual(bias, ref)
    }

    func testMaxAndFirstIndexAndMaskedMax() {
        var x = randoms(1001, seed: 13)
        x[700] = 9; x[300] = 9  // a tie: the first index wins
        let (mx, at) = FastMath.maxAndFirstIndex(x, x.count)
        XCTAssertEqual(mx, 9); XCTAssertEqual(at, 300)
        let mask = (0..<x.count).map { Float($0 % 3 == 0 ? 1 : 0) }
        let ref = (0..<x.count).filter { $0 % 3 == 0 }.map { x[$0] }.max()!
        XCTAssertEqual(FastMath.maskedMax(x, mask, x.count), ref)
        XCTAssertEqual(FastMath.maskedMax(x, [Float](repeating: 0, count: x.count), x.count), -.infinity)
    }

    /// The SIMD AdamW update with a clip scale equals scaling the gradients and then updating
    /// with the scalar formula.
    func testAdamWLanesAndFusedClipMatchScalar() {
        var layout = ParameterLayout()
        _ = layout.add("w", [37, 3])
        _ = layout.add("b", [5])
        let a = ParameterArena(layout: layout), b = ParameterArena(layout: layout)
        let n = layout.count
        let v0 = randoms(n, seed: 14), g0 = randoms(n, seed: 15, scale: 3)
        for i in 0..<n { a.values[i] = v0[i]; b.values[i] = v0[i]; a.gradients[i] = g0[i]; b.gradients[i] = g0[i] }
        let fused = AdamW(layout: layout, weightDecay: 0.01)
        var m = [Float](repeating: 0, count: n), v = m
        let lr: Float = 1e-2, b1 = fused.beta1, b2 = fused.beta2, eps = fused.epsilon
        for step in 1...2 {
            let norm = fused.clipAndUpdate(a, lr: lr, maxGradNorm: 1)
            XCTAssertEqual(norm, clipGradientNorm(b, maxNorm: 1))  // scales b's gradients in place
            // The scalar formula, written out (torch.optim.AdamW), on the clipped gradients.
            let c1 = 1 - Float(pow(Double(b1), Double(step))),
                c2 = Float((1 - pow(Double(b2), Double(step))).squareRoot())
            let stepSize = lr / c1
            for t in layout.tensors {
                let decay: Float = t.decays ? 1 - lr * 0.01 : 1
                for i in t.offset..<(t.offset + t.count) {
                    let gi = b.gradients[i]
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                    b.values[i] = b.values[i] * decay - stepSize * m[i] / (v[i].squareRoot() / c2 + eps)
                }
            }
            for i in 0..<n { b.gradients[i] = g0[i] }
        }
        for i in 0..<n {
            XCTAssertEqual(a.values[i], b.values[i], "parameter \(i)")
            XCTAssertEqual(fused.firstMoment[i], m[i]); XCTAssertEqual(fused.secondMoment[i], v[i])
        }
    }

    /// The attention products split into two row halves (`attentionSgemm`) against one whole
    /// call, on the shape that takes the split (T = 128, d_h = 64) and strided like the QKV buffer.
    func testHalvedAttentionGEMMsMatchWholeCall() {
        let t = 128, dh = 64, ld = 3 * 256
        let a = randoms(t * t, seed: 16), b = randoms(t * ld, seed: 17)
        for transposeA in [false, true] {
            var split = [Float](repeating: 0, count: t * ld), whole = split
            attentionSgemm(transposeA, t, dh, t, 0.125, a, t, b, ld, &split, ld, splitting: true)
            sgemm(transposeA, false, t, dh, t, 0.125, a, t, b, ld, 0, &whole, ld)
            let scale = whole.map(abs).max()!
            XCTAssertGreaterThan(scale, 0)
            for i in 0..<whole.count {
                XCTAssertEqual(split[i], whole[i], accuracy: 1e-5 * scale, "transposeA \(transposeA), element \(i)")
            }
            XCTAssertTrue(
                split.enumerated().allSatisfy { $0.offset % ld < dh || $0.element == 0 }, "wrote outside the head")
        }
    }

    /// The MLM head's input gradient as two vocabulary halves: equal to one whole call up to
    /// float rounding, and the same bits with one thread or two.
    func testVocabularyHalvesGEMMMatchesWholeCallForAnyThreadCount() {
        let m = 13, n = 40, k = 1001, ldc = 45
        let a = randoms(m * k, seed: 18), b = randoms(k * n, seed: 19)
        var whole = [Float](repeating: 0, count: m * n)
        sgemm(false, false, m, n, k, 1, a, k, b, n, 0, &whole, n)
        var results: [[Float]] = []
        let threads = Parallel.threads
        defer { Parallel.threads = threads }
        for t in [1, 2] {
            Parallel.threads = t
            var c = [Float](repeating: .nan, count: m * ldc), scratch = [Float](repeating: .nan, count: m * n)
            kHalvesSgemm(m, n, k, a, k, b, n, &c, ldc, scratch: &scratch)
            results.append(c)
            let scale = whole.map(abs).max()!
            for r in 0..<m {
                for j in 0..<n { XCTAssertEqual(c[r * ldc + j], whole[r * n + j], accuracy: 1e-5 * scale) }
                for j in n..<ldc { XCTAssertTrue(c[r * ldc + j].isNaN, "wrote past n in row \(r)") }
            }
        }
        XCTAssertEqual(results[0].map(\.bitPattern), results[1].map(\.bitPattern))
    }

    /// The cross-entropy's fused bias partials against a `ColumnSum` of its gradient, and the
    /// same bits with one thread or two.
    func testCrossEntropyBiasPartialsMatchColumnSum() {
        let m = 7, v = 1003
        let logits = randoms(m * v, seed: 20, scale: 3)
        let labels: [UInt32] = [0, 5, 1002, 17, 500, 3, 999]
        var results: [[Float]] = []
        let threads = Parallel.threads
        defer { Parallel.threads = threads }
        for t in [1, 2] {
            Parallel.threads = t
            var fused = logits, plain = logits
            var losses = [Float](repeating: 0, count: m), hits = losses,
                partials = [Float](repeating: .nan, count: 2 * v)
            CrossEntropy.forwardBackward(
                logits: &fused, labels: labels, rows: m, vocabulary: v, gradientScale: 0.5,
                losses: &losses, hits: &hits, biasPartials: &partials)
            var plainLosses = losses, plainHits = hits
            CrossEntropy.forwardBackward(
                logits: &plain, labels: labels, rows: m, vocabulary: v, gradientScale: 0.5,
                losses: &plainLosses, hits: &plainHits)
            XCTAssertEqual(fused, plain)
            XCTAssertEqual(losses, plainLosses)
            var bias = randoms(v, seed: 21), ref = bias
            CrossEntropy.addBiasGradient(&bias, partials: partials, vocabulary: v)
            ColumnSum.accumulate(into: &ref, plain, rows: m, columns: v)
            for j in 0..<v { XCTAssertEqual(bias[j], ref[j], accuracy: 1e-6) }
            results.append(bias)
        }
        XCTAssertEqual(results[0].map(\.bitPattern), results[1].map(\.bitPattern))
    }

    /// The fused LayerNorm + dropout backward against the two unfused ops: the same input and
    /// branch gradients, the sums equal up to their order, and the same bits on 1 or 2 threads.
    func testLayerNormBackwardThroughDropoutMatchesUnfusedOps() {
        let n = 11, c = 40, p: Float = 0.25, key: UInt64 = 0xABCDEF
        let x = randoms(n * c, seed: 22), dy = randoms(n * c, seed: 23), gamma = randoms(c, seed: 24)
        var mean = [Float](repeating: 0, count: n), rstd = mean, y = x
        LayerNorm.forward(
            out: &y, mean: &mean, rstd: &rstd, inp: x, gamma: gamma, beta: gamma, rows: n, columns: c, eps: 1e-12)
        let start = randoms(3 * c, seed: 25)
        var ref = start, dxRef = [Float](repeating: 0, count: n * c), branchRef = dxRef
        ref.withUnsafeMutableBufferPointer { r in
            LayerNorm.backward(
                dinp: dxRef.withUnsafeMutableBufferPointer { $0.baseAddress! }, dgamma: r.baseAddress!,
                dbeta: r.baseAddress! + c, dout: dy, inp: x, mean: mean, rstd: rstd, gamma: gamma, rows: n, columns: c)
            Dropout.apply(
                into: branchRef.withUnsafeMutableBufferPointer { $0.baseAddress! }, from: dxRef, rows: n, columns: c,
                p: p, key: key, biasGradient: r.baseAddress! + 2 * c)
        }
        var results: [[Float]] = []
        let threads = Parallel.threads
        defer { Parallel.threads = threads }
        for t in [1, 2] {
            Parallel.threads = t
            var sums = start, dx = [Float](repeating: .nan, count: n * c), branch = dx
            var partials = [Float](repeating: .nan, count: 6 * c)
            sums.withUnsafeMutableBufferPointer { r in
                LayerNorm.backwardThroughDropout(
                    dinp: &dx, dgamma: r.baseAddress!, dbeta: r.baseAddress! + c, dout: dy, inp: x,
                    mean: mean, rstd: rstd, gamma: gamma, rows: n, columns: c, branch: &branch,
                    p: p, key: key, biasGradient: r.baseAddress! + 2 * c, partials: &partials)
            }
            XCTAssertEqual(dx, dxRef)
            XCTAssertEqual(branch, branchRef)
            for j in 0..<(3 * c) { XCTAssertEqual(sums[j], ref[j], accuracy: 1e-5 * max(1, abs(ref[j]))) }
            results.append(sums)
        }
        XCTAssertEqual(results[0].map(\.bitPattern), results[1].map(\.bitPattern))
    }

    /// The QKV bias sums taken inside the attention backward against a `ColumnSum` of dQKV.
    func testAttentionBackwardBiasPartialsMatchColumnSum() {
        let shape = Attention.Shape(batch: 3, length: 9, hidden: 24, heads: 3)
        let n = shape.batch * shape.length, ld = 3 * shape.hidden, tt = shape.length * shape.length
        let qkv = randoms(n * ld, seed: 26), dcontext = randoms(n * shape.hidden, seed: 27)
        let mask = [UInt32](repeating: 1, count: n)
        var context = [Float](repeating: 0, count: n * shape.hidden)
        var probs = [Float](repeating: 0, count: shape.batch * shape.heads * tt)
        var scratch = [Float](repeating: 0, count: Parallel.threads * Attention.scratchPerThread(length: shape.length))
        Attention.forward(
            context: &context, probs: &probs, dropped: nil, qkv: qkv, mask: mask, shape: shape,
            dropout: 0, key: 0, scratch: &scratch)
        var plain = [Float](repeating: 0, count: n * ld), fused = plain
        var partials = [Float](repeating: .nan, count: shape.batch * ld)
        Attention.backward(
            dqkv: &plain, dcontext: dcontext, qkv: qkv, probs: probs, dropped: nil, shape: shape,
            dropout: 0, scratch: &scratch)
        Attention.backward(
            dqkv: &fused, dcontext: dcontext, qkv: qkv, probs: probs, dropped: nil, shape: shape,
            dropout: 0, scratch: &scratch, biasPartials: &partials)
        XCTAssertEqual(fused, plain)
        var bias = randoms(ld, seed: 28), ref = bias
        Attention.addBiasGradient(&bias, partials: partials, batch: shape.batch, columns: ld)
        ColumnSum.accumulate(into: &ref, plain, rows: n, columns: ld)
        for j in 0..<ld { XCTAssertEqual(bias[j], ref[j], accuracy: 1e-5) }
    }
}

private extension Double { var f: Float { Float(self) } }
