/// Sums the flat gradient buffer over the ranks in buckets, each started (`MPI_Iallreduce`)
/// as soon as the backward has finished writing it, so the reduction of the upper layers
/// runs while the lower layers' backward computes.
///
/// The backward walks the layout from its end to its start: head and decoder tensors lie
/// after the encoder layers, layer l after layer l−1, the embeddings first. Once layer l's
/// backward is done (`ready(from:)` with its first offset), every gradient from there to the
/// end is final. The tied word embeddings (at the start) and, with disentangled attention,
/// the relative table every layer writes are final only at the end (`finish`). Every rank
/// runs the same model, so every rank starts the same buckets in the same order, as MPI
/// requires of collectives.
final class GradientBuckets {
    let group: ProcessGroup
    let gradients: UnsafeMutablePointer<Float>
    let count: Int
    /// Floats per bucket: large enough that per-message latency does not matter, small enough
    /// that the first ones start early.
    let bucketFloats: Int
    /// Gradients from here to the end have been handed to MPI.
    private(set) var started: Int
    private var pending: [ProcessGroup.PendingSum] = []
    /// Buckets started in this step (for the bench and tests).
    private(set) var bucketsStarted = 0

    init(group: ProcessGroup, gradients: UnsafeMutablePointer<Float>, count: Int, bucketFloats: Int = 1 << 20) {
        self.group = group; self.gradients = gradients; self.count = count
        self.bucketFloats = max(1, bucketFloats)
        started = count
    }

    /// Before a step's last backward.
    func reset() {
        precondition(pending.isEmpty, "a step's gradient buckets were not finished")
        started = count; bucketsStarted = 0
    }

    /// Gradients at offsets ≥ `offset` are final: start their buckets, and let MPI progress
    /// the ones in flight (Open MPI moves non-blocking collectives on inside MPI calls).
    func ready(from offset: Int) {
        var hi = started
        while hi > offset {
            let lo = max(offset, hi - bucketFloats)
            pending.append(group.startSum(gradients + lo, count: hi - lo))
            bucketsStarted += 1
            hi = lo
        }
        started = min(started, offset)
        for p in pending { _ = p.test() }
    }

    /// Sums the rest and waits for every bucket: the buffer then holds the sum over ranks.
    /// What is left when the backward ends (the embeddings: for `mini` 70% of the buffer)
    /// has nothing to overlap with, so it goes through the blocking `MPI_Allreduce`, whose
    /// tuned algorithms are faster than the non-blocking schedule (measured: Scripts/bench/train-mpi).
    func finish() {
        if started > 0 {
            group.sum(gradients, count: started)
            started = 0
        }
        for p in pending { p.wait() }
        pending.removeAll(keepingCapacity: true)
    }
}
