import COpenBLAS

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
}
