import CMPI
import Foundation

/// The processes training one model together: this process's rank and the world size, and
/// the few collectives data parallelism needs. A process not started by an MPI launcher is
/// the group of one (`single`), whose collectives are no-ops, so the trainer has one code
/// path. Under `mpirun`/`srun` it is `MPI_COMM_WORLD` of Open MPI, loaded at run time
/// (`Sources/CMPI`): nothing links MPI, so a machine without it still builds and trains.
public final class ProcessGroup: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    let usesMPI: Bool

    init(rank: Int, size: Int, usesMPI: Bool) {
        self.rank = rank; self.size = size; self.usesMPI = usesMPI
    }

    /// One process, no MPI.
    public static let single = ProcessGroup(rank: 0, size: 1, usesMPI: false)

    /// Whether an MPI launcher started this process (its environment variables are set).
    public static var launchedByMPI: Bool { cmpi_launched() != 0 }

    /// `single` outside an MPI launch; under one, MPI initialised through `library` (default
    /// Open MPI's libmpi.so.40, or `DRBERT_MPI_LIBRARY`). A launch without a loadable Open MPI
    /// is `TrainingError.mpiUnavailable` (exit status 2).
    public static func join(
        library: String? = ProcessInfo.processInfo.environment["DRBERT_MPI_LIBRARY"]
    ) throws
        -> ProcessGroup
    {
        guard launchedByMPI else { return .single }
        var message = [CChar](repeating: 0, count: 512)
        let status = message.withUnsafeMutableBufferPointer { buffer in
            cmpi_init(library, buffer.baseAddress, buffer.count)
        }
        guard status == 0 else {
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw TrainingError.mpiUnavailable(text)
        }
        return ProcessGroup(rank: Int(cmpi_rank()), size: Int(cmpi_size()), usesMPI: true)
    }

    /// In-place sums over all ranks.
    func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
        if usesMPI && size > 1 { cmpi_allreduce_float_sum(values, Int64(count)) }
    }
    func sum(_ values: inout [Double]) {
        if usesMPI && size > 1 {
            values.withUnsafeMutableBufferPointer { cmpi_allreduce_double_sum($0.baseAddress, Int64($0.count)) }
        }
    }
    /// Element-wise maximum over all ranks.
    func maximum(_ values: [Int64]) -> [Int64] {
        var v = values
        if usesMPI && size > 1 {
            v.withUnsafeMutableBufferPointer { cmpi_allreduce_int64_max($0.baseAddress, Int64($0.count)) }
        }
        return v
    }
    func minimum(_ values: [Int64]) -> [Int64] {
        var v = values
        if usesMPI && size > 1 {
            v.withUnsafeMutableBufferPointer { cmpi_allreduce_int64_min($0.baseAddress, Int64($0.count)) }
        }
        return v
    }

    /// Every rank's `values` (all of one length), rank after rank.
    func gather(all values: [Int64]) -> [[Int64]] {
        guard usesMPI && size > 1 else { return [values] }
        var all = [Int64](repeating: 0, count: values.count * size)
        values.withUnsafeBufferPointer { mine in
            all.withUnsafeMutableBufferPointer {
                cmpi_allgather_int64(mine.baseAddress, $0.baseAddress, Int64(values.count))
            }
        }
        return (0..<size).map { Array(all[$0 * values.count..<($0 + 1) * values.count]) }
    }

    /// Every rank's bytes on rank 0 (other ranks get nil).
    func gatherOnRoot(_ bytes: Data) -> [Data]? {
        guard usesMPI && size > 1 else { return [bytes] }
        let counts = gather(all: [Int64(bytes.count)]).map { Int32($0[0]) }
        var offsets: [Int32] = [], end: Int32 = 0
        for c in counts { offsets.append(end); end += c }
        var all = [UInt8](repeating: 0, count: max(1, counts.reduce(0) { $0 + Int($1) }))
        let mine = [UInt8](bytes)
        mine.withUnsafeBytes { m in
            all.withUnsafeMutableBytes { a in
                counts.withUnsafeBufferPointer { c in
                    offsets.withUnsafeBufferPointer { o in
                        cmpi_gatherv_bytes(
                            m.baseAddress, Int64(mine.count), a.baseAddress, c.baseAddress, o.baseAddress)
                    }
                }
            }
        }
        guard rank == 0 else { return nil }
        return (0..<size).map { Data(all[Int(offsets[$0])..<Int(offsets[$0] + counts[$0])]) }
    }

    /// Waits until every rank has arrived.
    func barrier() { if usesMPI && size > 1 { cmpi_barrier() } }

    /// A started in-place sum of floats; `wait()` before reading them.
    final class PendingSum {
        var request: UnsafeMutableRawPointer? = nil
        /// Lets MPI move the reduction on; true once it is done.
        func test() -> Bool { cmpi_test(&request) != 0 }
        func wait() { cmpi_wait(&request) }
    }

    func startSum(_ values: UnsafeMutablePointer<Float>, count: Int) -> PendingSum {
        let p = PendingSum()
        if usesMPI && size > 1 { cmpi_iallreduce_float_sum(values, Int64(count), &p.request) }
        return p
    }

    /// Ends every process of the job (a failure one rank met alone must not leave the others
    /// waiting in a collective).
    public func abort(status: Int32) -> Never {
        if usesMPI { cmpi_abort(status) }
        exit(status)
    }

    /// Leaves MPI (after the last collective).
    public func finish() { if usesMPI { cmpi_finalize() } }
}
