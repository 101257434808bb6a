import CZstd
import Foundation

/// Appends records to a new shard. Bytes go to a temporary name beside `path`;
/// `finish()` writes index and footer, fsyncs and renames into place, so a shard
/// that exists under its final name is always complete.
///
/// Memory is bounded by a few blocks: records are encoded into a reused buffer, and a
/// block is compressed and written as soon as it reaches `targetBlockBytes`. The
/// index (8 bytes per record, 32 per block) is the only state that grows with the shard.
/// Not thread-safe: one writer belongs to one thread at a time.
///
/// With `backgroundCompression`, a full block is compressed on a concurrent queue (up to
/// `blocksInFlight` blocks at once, each with its own zstd context) and a serial queue writes
/// the compressed blocks to the file in block order, while the caller fills the next block.
/// Blocks are the same bytes in the same order either way; only the timing moves. zstd was
/// ~36% of `prep mask`'s CPU: on one serial queue it was the pipeline's slowest stage, so with
/// two cores both have to be able to compress. A write error from a background block is
/// thrown by the next `append` or by `finish()`.
public final class ShardWriter {
    /// Final path of the shard.
    public let path: String
    /// Where bytes go until `finish()` renames them into place.
    public let temporaryPath: String
    public let schema: ShardSchema

    private enum State { case open, finished, abandoned }
    private var state = State.open
    private var fd: Int32
    private let level: Int32
    /// Huffman-code the literals at every level. zstd skips that at negative levels for speed,
    /// but on token ids it is cheaper than matching harder: `prep mask`'s instance blocks are the
    /// same size at level −12 with it as at −2 without it, and compress ~20% faster.
    private let huffmanLiterals: Bool
    private let targetBlockBytes: Int
    private let types: [ShardElementType]

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
                jobs += returned.prefix(max(0, 2 * ShardWriter.blocksInFlight - jobs.count))
                lock.unlock()
            }
        }
    }

    private var job: BlockJob            // the block being filled
    private var raw: ByteBuffer { job.raw }
    /// Background mode: compression runs on `compressors`, writes on `writes` (serial, block order);
    /// `freeJobs` are the jobs not in flight, `firstError` the first error a block met there.
    private let writes: DispatchQueue?
    private let compressors = DispatchQueue.global()
    static let blocksInFlight = 4
    /// Counts `freeJobs` (created at 0: libdispatch traps if a semaphore dies below its initial value).
    private let jobFree = DispatchSemaphore(value: 0)
    private let jobLock = NSLock()
    private var freeJobs: [BlockJob] = []
    private var firstError: Error?
    private let blockTable = ByteBuffer(capacity: 4096)
    private let recordTable = ByteBuffer(capacity: 1 << 16)
    private var blockFirstRecord = 0
    private var blockCount = 0
    private var fileOffset = 0
    private var fileHash = XXHash64()

    public private(set) var recordCount = 0

    public init(path: String, schema: ShardSchema, metadata: [String: String] = [:],
                targetBlockBytes: Int = 1 << 20, compressionLevel: Int = 3, huffmanLiterals: Bool = false,
                backgroundCompression: Bool = false) throws {
        try ShardHeader.validate(schema, metadata: metadata, path: path)
        self.path = path
        self.schema = schema
        self.types = schema.fields.map(\.type)
        self.targetBlockBytes = max(1, min(targetBlockBytes, Int(UInt32.max) / 2))
        self.level = Int32(compressionLevel)
        self.huffmanLiterals = huffmanLiterals
        let url = URL(fileURLWithPath: path)
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        let capacity = self.targetBlockBytes + self.targetBlockBytes / 4 + 64
        guard let first = BlockJob.pool.take(capacity: capacity) else {
            throw ShardError.io(path: path, detail: "cannot create a zstd compression context")
        }
        job = first
        writes = backgroundCompression ? DispatchQueue(label: "ShardWriter.writes") : nil
        if backgroundCompression {
            for _ in 1..<Self.blocksInFlight {
                guard let j = BlockJob.pool.take(capacity: capacity) else {
                    throw ShardError.io(path: path, detail: "cannot create a zstd compression context")
                }
                freeJobs.append(j)
                jobFree.signal()
            }
        }
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 {
            let e = errno
            throw ShardError.io(path, "cannot create temporary shard \(temporaryPath)", errno: e)
        }
        let header = ShardHeader(schema: schema, metadata: metadata).encoded()
        do {
            try header.withUnsafeBytes { try write($0) }
        } catch {
            abandon()
            throw error
        }
    }

    deinit {
        if state == .open { abandon() }
        writes?.sync {}
        job.raw.count = 0
        BlockJob.pool.give(freeJobs + [job])
    }

    /// Encodes one record into the current block. A value that does not fit its
    /// column's width is rejected and leaves the shard as it was.
    public func append(_ record: ShardRecord) throws {
        try append(columnCount: record.columns.count) { f, body in try record.columns[f].withUnsafeBufferPointer(body) }
    }

    /// As `append(_:)`, with column f given as a buffer by `column(f)` (valid during the call):
    /// a producer that keeps records in flat arrays (`prep mask`'s batches) skips building a
    /// `ShardRecord` per record, whose array copies were ~10% of that command's CPU.
    public func append(columnCount: Int, _ column: (Int) -> UnsafeBufferPointer<UInt32>) throws {
        try append(columnCount: columnCount) { f, body in try body(column(f)) }
    }

    /// The one encoding path: `withColumn(f, body)` runs `body` on column f's values.
    private func append(columnCount: Int,
                        _ withColumn: (Int, (UnsafeBufferPointer<UInt32>) throws -> Void) throws -> Void) throws {
        guard state == .open else { throw ShardError.io(path: path, detail: "append after finish() or abandon()") }
        guard columnCount == types.count else {
            throw ShardError.schemaMismatch(path: path, detail: "record \(recordCount) has \(columnCount) columns, schema has \(types.count) (\(schema.fields.map(\.name).joined(separator: ", ")))")
        }
        let start = raw.count
        var bytes = 0
        for f in 0..<columnCount { try withColumn(f) { bytes += 4 + $0.count * ShardLayout.width(types[f]) } }
        guard start + bytes <= Int(UInt32.max) else {
            throw ShardError.schemaMismatch(path: path, detail: "record \(recordCount) is \(bytes) bytes; a block holds at most 4 GiB")
        }
        raw.reserve(bytes)
        for f in 0..<columnCount {
            try withColumn(f) { values in
                if let bad = encode(values, as: types[f]) {
                    raw.count = start
                    let field = schema.fields[f]
                    throw ShardError.schemaMismatch(path: path, detail: "record \(recordCount), column '\(field.name)' element \(bad): value \(values[bad]) does not fit \(field.type)")
                }
            }
        }
        recordTable.append(UInt32(blockCount))
        recordTable.append(UInt32(start))
        recordCount += 1
        if raw.count >= targetBlockBytes { try flushBlock() }
    }

    /// Appends every record of `records` (encoded by the producer, possibly on another thread),
    /// in order. The bytes and block boundaries are exactly those of appending the same records
    /// one by one: a block closes after the first record that brings it to the target size.
    public func append(_ records: EncodedRecords) throws {
        guard state == .open else { throw ShardError.io(path: path, detail: "append after finish() or abandon()") }
        guard records.types == types, !records.hasOpenRecord else {
            throw ShardError.schemaMismatch(path: path, detail: records.hasOpenRecord
                ? "encoded records end with an incomplete record"
                : "encoded records have schema \(records.schema.fields.map(\.name)), the shard has \(schema.fields.map(\.name))")
        }
        let ends = records.ends, source = records.bytes.base
        var i = 0
        while i < ends.count {
            let begin = i == 0 ? 0 : ends[i - 1]
            // Records i...j: up to the first that fills the block, or the last one.
            let room = targetBlockBytes - raw.count
            var j = i
            while j < ends.count - 1 && ends[j] - begin < room { j += 1 }
            let length = ends[j] - begin
            guard raw.count + length <= Int(UInt32.max) else {
                throw ShardError.schemaMismatch(path: path, detail: "record \(recordCount) would make a block over 4 GiB")
            }
            raw.reserve(length)
            (raw.base + raw.count).copyMemory(from: source + begin, byteCount: length)
            var start = begin
            for r in i...j {
                recordTable.append(UInt32(blockCount))
                recordTable.append(UInt32(raw.count + start - begin))
                start = ends[r]
            }
            raw.count += length
            recordCount += j - i + 1
            if raw.count >= targetBlockBytes { try flushBlock() }
            i = j + 1
        }
    }

    /// Writes `values` (count, then elements at the column's width) after the
    /// current end of `raw`; returns the index of the first value that does not fit.
    @inline(__always)
    private func encode(_ src: UnsafeBufferPointer<UInt32>, as type: ShardElementType) -> Int? {
        raw.append(UInt32(src.count))
        let dst = raw.base + raw.count
        let n = src.count
        let failed: Int? = { () -> Int? in
            switch type {
            case .uint8:
                var or: UInt32 = 0
                for k in 0..<n { let v = src[k]; or |= v; dst.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: k, as: UInt8.self) }
                return or > 0xFF ? src.firstIndex { $0 > 0xFF } : nil
            case .uint16:
                var or: UInt32 = 0
                for k in 0..<n {
                    let v = src[k]; or |= v
                    dst.storeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian, toByteOffset: 2 * k, as: UInt16.self)
                }
                return or > 0xFFFF ? src.firstIndex { $0 > 0xFFFF } : nil
            case .uint32, .int32:
                // int32 columns carry the two's-complement bit pattern (UInt32(bitPattern:)).
                for k in 0..<n { dst.storeBytes(of: src[k].littleEndian, toByteOffset: 4 * k, as: UInt32.self) }
                return nil
            }
        }()
        if failed == nil { raw.count += n * ShardLayout.width(type) }
        return failed
    }

    private func flushBlock() throws {
        let records = recordCount - blockFirstRecord
        guard records > 0 else { return }
        let full = job
        full.block = blockCount; full.firstRecord = blockFirstRecord; full.records = records
        blockCount += 1
        blockFirstRecord = recordCount
        guard let writes else {
            try Self.compress(full, level: level, huffmanLiterals: huffmanLiterals, path: path)
            try writeBlock(full)
            raw.count = 0
            return
        }
        // Continue in a free job (waiting while every job is in flight).
        jobFree.wait()
        jobLock.lock()
        let failed = firstError
        let next = failed == nil ? freeJobs.removeLast() : nil
        jobLock.unlock()
        if let failed { jobFree.signal(); throw failed }
        job = next!
        let level = self.level, huffmanLiterals = self.huffmanLiterals, path = self.path
        compressors.async {
            do { try Self.compress(full, level: level, huffmanLiterals: huffmanLiterals, path: path) } catch { full.error = error }
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
                    try writeBlock(full)
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
    private func drain() throws {
        guard let writes else { return }
        writes.sync {}
        if let e = firstError { throw e }
    }

    /// Compresses one block of raw records and frames it (header, zstd frame, checksum) in
    /// `job.out`. Touches only the job, so blocks compress concurrently.
    private static func compress(_ job: BlockJob, level: Int32, huffmanLiterals: Bool, path: String) throws {
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
            _ = ZSTD_CCtx_setParameter(job.cctx, ZSTD_c_experimentalParam5 /* literalCompressionMode */,
                                       Int32(ZSTD_ps_enable.rawValue))
        }
        let c = ZSTD_compress2(job.cctx, out.base + ShardLayout.blockHeaderBytes, bound, raw.base, raw.count)
        if ZSTD_isError(c) != 0 {
            throw ShardError.io(path: path, detail: "zstd compression of block \(job.block) failed: \(String(cString: ZSTD_getErrorName(c)))")
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

    /// Writes a compressed block and records it in the block table. Blocks arrive in order
    /// (the caller's thread, or the serial `writes` queue).
    private func writeBlock(_ job: BlockJob) throws {
        blockTable.append(UInt64(fileOffset))
        blockTable.append(UInt64(job.firstRecord))
        blockTable.append(UInt32(job.records))
        blockTable.append(UInt32(job.raw.count))
        blockTable.append(UInt32(job.compressed))
        blockTable.append(UInt32(0))
        let start = fileOffset
        try write(job.out.bytes)
        // Start the block's writeback now, so that `finish()`'s fsync has little left to wait for
        // (it was ~10 ms per 12 MB shard, all of it on the critical path for the last shard).
        // (POSIX_FADV_DONTNEED on dirty pages starts their writeback on Linux; sync_file_range is
        // not visible from Swift's Glibc module.)
        _ = posix_fadvise(fd, off_t(start), off_t(fileOffset - start), POSIX_FADV_DONTNEED)
    }

    /// Flushes the last block, writes index and footer, fsyncs, renames the file into
    /// place and fsyncs the directory. Returns the summary the manifest records.
    public func finish() throws -> ShardSummary {
        guard state == .open else { throw ShardError.io(path: path, detail: "finish() called twice or after abandon()") }
        do {
            try flushBlock()
            try drain()
            let indexOffset = fileOffset
            var indexHash = XXHash64()
            indexHash.update(blockTable.bytes)
            indexHash.update(recordTable.bytes)
            try write(blockTable.bytes)
            try write(recordTable.bytes)
            let footer = ByteBuffer(capacity: 64)
            footer.append(indexHash.digest())
            footer.append(UInt64(indexOffset))
            footer.append(UInt64(blockCount))
            footer.append(UInt64(recordCount))
            footer.append(XXHash64.hash(UnsafeRawBufferPointer(start: footer.base + 8, count: ShardLayout.footerCheckedBytes)))
            footer.append(bytes: ShardLayout.endMagic)
            try write(footer.bytes)
            if fsync(fd) != 0 { throw ShardError.io(path, "fsync of \(temporaryPath) failed", errno: errno) }
            let closed = close(fd)
            fd = -1
            if closed != 0 { throw ShardError.io(path, "close of \(temporaryPath) failed", errno: errno) }
            if rename(temporaryPath, path) != 0 { throw ShardError.io(path, "rename from \(temporaryPath) failed", errno: errno) }
            state = .finished
            try syncDirectory(containing: path)
        } catch {
            if state == .open { abandon() }
            throw error
        }
        return ShardSummary(file: URL(fileURLWithPath: path).lastPathComponent, records: recordCount,
                            bytes: fileOffset, xxh64: XXHash64.hex(fileHash.digest()))
    }

    /// Removes the temporary file (on error or cancellation). Safe to call more than once;
    /// does nothing after a successful `finish()`.
    public func abandon() {
        guard state == .open else { return }
        state = .abandoned
        writes?.sync {}
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporaryPath)
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        fileHash.update(bytes)
        while left > 0 {
            let n = Foundation.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                throw ShardError.io(path, "write at byte \(fileOffset) of \(temporaryPath) failed", errno: e)
            }
            p += n; left -= n; fileOffset += n
        }
    }
}

/// fsyncs the directory holding `path`, so that a rename into it survives a crash.
func syncDirectory(containing path: String) throws {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dfd < 0 { throw ShardError.io(dir, "cannot open directory to fsync it", errno: errno) }
    defer { close(dfd) }
    if fsync(dfd) != 0 { throw ShardError.io(dir, "fsync of directory failed", errno: errno) }
}
