import CZstd
import Foundation

/// One block's buffers: raw records, the framed output (header, zstd frame, checksum) and
/// its own zstd context, so blocks in flight compress independently.
final class BlockJob: @unchecked Sendable {
    let raw: ByteBuffer
    let out: ByteBuffer
    let cctx: OpaquePointer
    var block = 0, firstRecord = 0, records = 0
    var compressed = 0
    var error: Error?
    let compressedSignal = DispatchSemaphore(value: 0)

    init?(capacity: Int) {
        guard let c = ZSTD_createCCtx() else { return nil }
        cctx = c
        raw = ByteBuffer(capacity: capacity)
        out = ByteBuffer(capacity: ZSTD_compressBound(capacity) + 64)
    }
    deinit { ZSTD_freeCCtx(cctx) }

    /// Finished writers leave their jobs here for the next writer: `prep mask` writes one shard
    /// after another, and fresh 1 MB buffers and zstd contexts for each were ~40% of its page
    /// faults (a tenth of its CPU went to the kernel). Holds at most two writers' worth.
    static let pool = Pool()

    final class Pool: @unchecked Sendable {
        private let lock = NSLock()
        private var jobs: [BlockJob] = []
        func take(capacity: Int) -> BlockJob? {
            lock.lock()
            let j = jobs.popLast()
            lock.unlock()
            if let j { j.raw.count = 0; j.raw.reserve(capacity); return j }
            return BlockJob(capacity: capacity)
        }
        func give(_ returned: [BlockJob]) {
            lock.lock()
            jobs += returned.prefix(max(0, 2 * BlockCompressionScheduler.blocksInFlight - jobs.count))
            lock.unlock()
        }
    }
}

/// Compresses a shard writer's full blocks and has them written in block order.
///
/// In the foreground (the default), a full block is compressed and written on the caller's
/// thread. In the background, it is compressed on a concurrent queue (up to `blocksInFlight`
/// blocks at once, each with its own zstd context) and a serial queue writes the compressed
/// blocks in block order, while the caller fills the next block. Blocks are the same bytes in
/// the same order either way; only the timing moves. zstd was ~36% of `prep mask`'s CPU: on one
/// serial queue it was the pipeline's slowest stage, so with two cores both have to be able to
/// compress. A write error from a background block is thrown by the next `close` or by `drain`.
final class BlockCompressionScheduler {
    static let blocksInFlight = 4

    private let level: Int32
    /// Huffman-code the literals at every level (see `ShardWriter.init`).
    private let huffmanLiterals: Bool
    /// Labels errors.
    private let path: String
    /// Background mode: compression runs on `compressors`, writes on `writes` (serial, block order);
    /// `freeJobs` are the jobs not in flight, `firstError` the first error a block met there.
    private let writes: DispatchQueue?
    private let compressors = DispatchQueue.global()
    /// Counts `freeJobs` (created at 0: libdispatch traps if a semaphore dies below its initial value).
    private let jobFree = DispatchSemaphore(value: 0)
    private let jobLock = NSLock()
    private var freeJobs: [BlockJob] = []
    private var firstError: Error?

    /// The block being filled; `close` swaps it for a free one.
    private(set) var filling: BlockJob

    /// Jobs get room for `capacity` raw bytes; `background` compresses and writes on other threads.
    init(capacity: Int, level: Int32, huffmanLiterals: Bool, background: Bool, path: String) throws {
        self.level = level
        self.huffmanLiterals = huffmanLiterals
        self.path = path
        guard let first = BlockJob.pool.take(capacity: capacity) else {
            throw ShardError.io(path: path, detail: "cannot create a zstd compression context")
        }
        filling = first
        writes = background ? DispatchQueue(label: "ShardWriter.writes") : nil
        if background {
            for _ in 1..<Self.blocksInFlight {
                guard let j = BlockJob.pool.take(capacity: capacity) else {
                    BlockJob.pool.give(freeJobs + [filling])
                    throw ShardError.io(path: path, detail: "cannot create a zstd compression context")
                }
                freeJobs.append(j)
                jobFree.signal()
            }
        }
    }

    /// Gives the jobs back to the pool once nothing is in flight.
    deinit {
        writes?.sync {}
        filling.raw.count = 0
        BlockJob.pool.give(freeJobs + [filling])
    }

    /// Closes the block being filled (block `block`, records `firstRecord..<firstRecord+records`):
    /// compresses it and passes it to `write`, in block order, here or in the background; the
    /// next block is filled in a free job (waiting while every job is in flight).
    func close(block: Int, firstRecord: Int, records: Int, write: @escaping (BlockJob) throws -> Void) throws {
        let full = filling
        full.block = block; full.firstRecord = firstRecord; full.records = records
        guard let writes else {
            try compress(full)
            try write(full)
            full.raw.count = 0
            return
        }
        jobFree.wait()
        jobLock.lock()
        let failed = firstError
        let next = failed == nil ? freeJobs.removeLast() : nil
        jobLock.unlock()
        if let failed { jobFree.signal(); throw failed }
        filling = next!
        compressors.async { [self] in
            do { try compress(full) } catch { full.error = error }
            full.compressedSignal.signal()
        }
        writes.async { [self] in
            full.compressedSignal.wait()
            jobLock.lock()
            let failed = firstError
            jobLock.unlock()
            if failed == nil {
                do {
                    if let e = full.error { throw e }
                    try write(full)
                } catch { jobLock.lock(); firstError = error; jobLock.unlock() }
            }
            full.raw.count = 0
            full.error = nil
            jobLock.lock()
            freeJobs.append(full)
            jobLock.unlock()
            jobFree.signal()
        }
    }

    /// Waits until no block is in flight; rethrows the first background error.
    func drain() throws {
        guard let writes else { return }
        writes.sync {}
        jobLock.lock()
        let failed = firstError
        jobLock.unlock()
        if let failed { throw failed }
    }

    /// Waits until no block is in flight, ignoring errors (the shard is being abandoned).
    func cancel() {
        writes?.sync {}
    }

    /// Compresses one block of raw records and frames it (header, zstd frame, checksum) in
    /// `job.out`. Touches only the job, so blocks compress concurrently.
    private func compress(_ job: BlockJob) throws {
        let raw = job.raw, out = job.out
        out.count = 0
        let bound = ZSTD_compressBound(raw.count)
        out.reserve(ShardLayout.blockHeaderBytes + bound + ShardLayout.checksumBytes)
        // Parameters set per block: pooled jobs move between writers with different settings.
        ZSTD_CCtx_reset(job.cctx, ZSTD_reset_session_and_parameters)
        ZSTD_CCtx_setParameter(job.cctx, ZSTD_c_compressionLevel, level)
        if huffmanLiterals {
            // Refused only by a library without the parameter: then the block is compressed as zstd
            // would by default (still a plain frame), so the error is deliberately ignored.
            _ = ZSTD_CCtx_setParameter(
                job.cctx, ZSTD_c_experimentalParam5 /* literalCompressionMode */,
                Int32(ZSTD_ps_enable.rawValue))
        }
        let c = ZSTD_compress2(job.cctx, out.base + ShardLayout.blockHeaderBytes, bound, raw.base, raw.count)
        if ZSTD_isError(c) != 0 {
            throw ShardError.io(
                path: path,
                detail: "zstd compression of block \(job.block) failed: \(String(cString: ZSTD_getErrorName(c)))")
        }
        out.append(UInt64(job.firstRecord))
        out.append(UInt32(job.records))
        out.append(UInt32(raw.count))
        out.append(UInt32(c))
        out.append(UInt32(job.block))
        out.count += c
        out.append(XXHash64.hash(out.bytes))
        job.compressed = c
    }
}
