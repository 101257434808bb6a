import Foundation

extension BLASThreads {
    /// Stops OpenBLAS's thread pool now. The pool starts when the library loads (every `prep`
    /// process links it), and its idle thread spins on `sched_yield` for about 2^28 cycles
    /// before it sleeps: ~70 ms of a core taken from every command, BLAS or not (10% of
    /// `prep mask`'s CPU on 100 MB of text, measured with perf). OpenBLAS restarts the pool by
    /// itself when a threaded GEMM or `openblas_set_num_threads` needs it again.
    /// Looked up at run time: `blas_thread_shutdown_` is an OpenBLAS export, not in cblas.h,
    /// and another BLAS simply lacks it.
    public static func stopIdlePool() {
        typealias Shutdown = @convention(c) () -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "blas_thread_shutdown_") else { return }
        _ = unsafeBitCast(symbol, to: Shutdown.self)()
    }
}
