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
                XCTAssertEqual(Double(y[r * c + j]), (row[j] - m) / v.squareRoot() * Double(g[j]) + Double(b[j]), accuracy: 1e-5)
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
}

private extension Double { var f: Float { Float(self) } }
