import Foundation

/// Static work splitting over a fixed number of threads.
///
/// Why static chunks and `concurrentPerform`: every thread gets the same rows on every
/// call, so reductions are deterministic (a resumed run reproduces the loss curve bit for
/// bit), and idle workers block in libdispatch instead of spinning — a spinning barrier
/// slows a 2-thread step 3-5x as soon as another process takes a core.
public enum Parallel {
    /// Threads used by the element-wise loops and the per-(batch, head) attention loop.
    public nonisolated(unsafe) static var threads: Int = 2

    /// Calls `body(thread, range)` for `threads` contiguous chunks of `0..<count`;
    /// runs inline when the work is too small to be worth a hand-off.
    @inline(__always)
    static func chunks(
        _ count: Int, minimumPerThread: Int = 1,
        _ body: (_ thread: Int, _ range: Range<Int>) -> Void
    ) {
        let t = Swift.min(threads, Swift.max(1, count / Swift.max(1, minimumPerThread)))
        if t <= 1 {
            body(0, 0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: t) { i in
            body(i, (count * i / t)..<(count * (i + 1) / t))
        }
    }

    /// `chunks` over (batch, head) pairs, each pair's small GEMMs on one BLAS thread: our
    /// threads already split the pairs, and OpenBLAS's own threads would compete with them.
    @inline(__always)
    static func headPairs(_ count: Int, _ body: (_ thread: Int, _ pairs: Range<Int>) -> Void) {
        let blas = BLASThreads.current
        BLASThreads.set(1)
        defer { BLASThreads.set(blas) }
        chunks(count, body)
    }
}
