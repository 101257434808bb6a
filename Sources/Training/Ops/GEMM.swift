import COpenBLAS
import Foundation

/// Row-major single-precision GEMM: C = alpha · op(A) · op(B) + beta · C.
/// A thin wrapper so the ops read like the math (`ta`/`tb`: transpose A/B).
@inline(__always)
func sgemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int,
           _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
           _ b: UnsafePointer<Float>, _ ldb: Int,
           _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                beta, c, Int32(ldc))
}

/// OpenBLAS's own thread pool, used only for the big GEMMs; the small per-head
/// attention GEMMs run single-threaded inside our own parallel loop.
public enum BLASThreads {
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    public static var current: Int { Int(openblas_get_num_threads()) }

    /// The kernel OpenBLAS picked at load time (e.g. "SkylakeX", "Haswell", "Prescott").
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "?" }

    /// Debian's DYNAMIC_ARCH OpenBLAS 0.3.21 does not recognise some (virtualised) CPUs and
    /// falls back to its SSE3 "Prescott" kernel: 20 GFLOP/s instead of ~70-95 on one core of
    /// this machine. The kernel is chosen when the library loads, from `OPENBLAS_CORETYPE`,
    /// so when the fallback is detected on a CPU with AVX-512 or AVX2+FMA we set the variable
    /// and re-execute the process once. Returns only if no re-exec was needed or possible.
    public static func ensureTunedKernel() {
        guard getenv("OPENBLAS_CORETYPE") == nil, coreName == "Prescott" || coreName == "Generic" else { return }
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        let core: String
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) { core = "SkylakeX" }
        else if flags.contains("avx2") && flags.contains("fma") { core = "Haswell" }
        else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let args = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // execv returned: keep running with the slow kernel rather than fail.
    }
}
