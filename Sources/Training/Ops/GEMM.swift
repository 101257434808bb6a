import COpenBLAS
import Foundation

/// Row-major single-precision GEMM: C = alpha · op(A) · op(B) + beta · C.
/// A thin wrapper so the ops read like the math (`ta`/`tb`: transpose A/B).
@inline(__always)
func sgemm(
    _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int,
    _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
    _ b: UnsafePointer<Float>, _ ldb: Int,
    _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
        beta, c, Int32(ldc))
}

/// The big GEMMs, split into `Parallel.threads` blocks of C (by rows, or by columns when C
/// is wide), each a single-threaded OpenBLAS call. Why not OpenBLAS's own threads: its idle
/// workers spin in `sched_yield` while our element-wise loops run between GEMMs (~10% of a
/// step in `perf`), and a libdispatch hand-off blocks instead. Each C element is computed by
/// one call, so results do not depend on timing.
func parallelSgemm(
    _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int,
    _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
    _ b: UnsafePointer<Float>, _ ldb: Int,
    _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    let t = Parallel.threads
    if t <= 1 || Double(m) * Double(n) * Double(k) < 4_000_000 {
        sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        return
    }
    if m >= n {
        let blocks = (m + 15) / 16
        Parallel.chunks(blocks) { _, r in
            let r0 = r.lowerBound * 16, r1 = min(m, r.upperBound * 16)
            guard r1 > r0 else { return }
            sgemm(ta, tb, r1 - r0, n, k, alpha, ta ? a + r0 : a + r0 * lda, lda, b, ldb, beta, c + r0 * ldc, ldc)
        }
    } else {
        let blocks = (n + 15) / 16
        Parallel.chunks(blocks) { _, r in
            let c0 = r.lowerBound * 16, c1 = min(n, r.upperBound * 16)
            guard c1 > c0 else { return }
            sgemm(ta, tb, m, c1 - c0, k, alpha, a, lda, tb ? b + c0 * ldb : b + c0, ldb, beta, c + c0, ldc)
        }
    }
}

/// OpenBLAS's own thread pool. The trainer keeps it at one thread and splits GEMMs itself
/// (`parallelSgemm`); the per-head attention GEMMs run inside our parallel loop.
public enum BLASThreads {
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    static var current: Int { Int(openblas_get_num_threads()) }

    /// The kernel OpenBLAS picked at load time (e.g. "SkylakeX", "Haswell", "Prescott").
    static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "?" }

    /// Debian's DYNAMIC_ARCH OpenBLAS 0.3.21 does not recognise some (virtualised) CPUs and
    /// falls back to its SSE3 "Prescott" kernel: 20 GFLOP/s instead of ~70-95 on one core of
    /// this machine. The kernel is chosen when the library loads, from `OPENBLAS_CORETYPE`,
    /// so when the fallback is detected on a CPU with AVX-512 or AVX2+FMA we set the variable
    /// and re-execute the process once. Returns only if no re-exec was needed or possible.
    public static func ensureTunedKernel() {
        guard getenv("OPENBLAS_CORETYPE") == nil, coreName == "Prescott" || coreName == "Generic" else { return }
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        let core: String
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) {
            core = "SkylakeX"
        } else if flags.contains("avx2") && flags.contains("fma") {
            core = "Haswell"
        } else {
            return
        }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let args = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // execv returned: keep running with the slow kernel rather than fail.
    }
}

/// One (batch, head) attention product whose B is not transposed (NN or TN), e.g.
/// 128×64×128 for T = 128, d_h = 64. OpenBLAS 0.3.21's AVX-512 kernels (SkylakeX and its
/// successors) have a small-matrix path that skips packing, taken when M·N·K ≤ 100³; such a
/// product is just above that. As two halves of M rows each half takes that path: measured
/// (one thread, best of 15 × 300 calls) 121 → 161 GFLOP/s for P·V and dS·K and 124 → 167 for
/// Pᵀ·dC. The NT products (Q·Kᵀ, dC·Vᵀ) got slower split (114 → 98), so they stay whole.
/// Each C row is still computed by one call, in the same order on every step.
@inline(__always)
func attentionSgemm(
    _ ta: Bool, _ m: Int, _ n: Int, _ k: Int,
    _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
    _ b: UnsafePointer<Float>, _ ldb: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
    splitting: Bool = BLASThreads.hasSmallMatrixKernel
) {
    let mnk = m * n * k, half = m / 2
    if splitting && m % 2 == 0 && mnk > 1_000_000 && half * n * k <= 1_000_000 {
        sgemm(ta, false, half, n, k, alpha, a, lda, b, ldb, 0, c, ldc)
        sgemm(ta, false, half, n, k, alpha, ta ? a + half : a + half * lda, lda, b, ldb, 0, c + half * ldc, ldc)
    } else {
        sgemm(ta, false, m, n, k, alpha, a, lda, b, ldb, 0, c, ldc)
    }
}

extension BLASThreads {
    /// Whether the loaded OpenBLAS kernel has the small-matrix sgemm path (`attentionSgemm`).
    static let hasSmallMatrixKernel = ["SkylakeX", "Cooperlake", "SapphireRapids"].contains(coreName)
}

/// C = A·B (both not transposed, C overwritten) for a long K and a small C, as two fixed
/// halves of K whose products are added: the MLM head's input gradient
/// (masked rows × H × vocabulary, 640×256×30522 for `mini`). Split by rows, as
/// `parallelSgemm` does, each thread packed the whole [V, H] embedding matrix; split by K,
/// each packs half of it (one-thread-pair C benchmark, median of 7 interleaved with a
/// reference GEMM: 55 → 43 ms). Always two halves, summed in the same order, so the bits do
/// not depend on the thread count or timing. `scratch` holds m·n floats.
func kHalvesSgemm(
    _ m: Int, _ n: Int, _ k: Int,
    _ a: UnsafePointer<Float>, _ lda: Int,
    _ b: UnsafePointer<Float>, _ ldb: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
    scratch: UnsafeMutablePointer<Float>
) {
    let k0 = (k / 2 + 15) / 16 * 16
    guard k > 64, k0 < k else {
        sgemm(false, false, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
        return
    }
    Parallel.chunks(2) { _, halves in
        for half in halves {
            if half == 0 {
                sgemm(false, false, m, n, k0, 1, a, lda, b, ldb, 0, c, ldc)
            } else {
                sgemm(false, false, m, n, k - k0, 1, a + k0, lda, b + k0 * ldb, ldb, 0, scratch, n)
            }
        }
    }
    Parallel.chunks(m, minimumPerThread: 64) { _, rows in
        for r in rows { FastMath.add(scratch + r * n, into: c + r * ldc, n) }
    }
}
