import CZstd
import Foundation

/// Appends records to a new shard. Bytes go to a temporary name beside `path`;
/// `finish()` writes index and footer, fsyncs and renames into place, so a shard
/// that exists under its final name is always complete.
///
/// Memory is bounded by one block: records are encoded into a reused buffer, and a
/// block is compressed and written as soon as it reaches `targetBlockBytes`. The
/// index (8 bytes per record, 32 per block) is the only state that grows with the shard.
/// Not thread-safe: one writer belongs to one thread at a time.
///
/// With `backgroundCompression`, a full block is handed to a serial queue that compresses,
/// checksums and writes it while the caller encodes the next one (up to three blocks in
/// flight, so memory stays four blocks). Blocks are the same bytes in the same order either way; only the
/// timing moves. zstd level-1 compression was ~30% of `prep mask`'s CPU on the caller's
/// thread, which is also the thread that hands batches out, so overlapping it matters there.
/// A write error from a background block is thrown by the next `append` or by `finish()`.
public final class ShardWriter {
    /// Final path of the shard.
    public let path: String
    /// Where bytes go until `finish()` renames them into place.
    public let temporaryPath: String
    public let schema: ShardSchema

    private enum State { case open, finished, abandoned }
    private var state = State.open
    private var fd: Int32
    private let cctx: OpaquePointer
    private let level: Int32
    private let targetBlockBytes: Int
    private let types: [ShardElementType]

    private var raw: ByteBuffer          // uncompressed records of the current block
    /// Background mode: the queue that compresses and writes blocks in order, the spare raw
    /// buffer (nil while its block is in flight), and the first error a block met there.
    private let background: DispatchQueue?
    private static let blocksInFlight = 3
    private let spareFree = DispatchSemaphore(value: blocksInFlight)
    private let spareLock = NSLock()
    private var spares: [ByteBuffer] = []
    private var backgroundError: Error?
    private let out: ByteBuffer          // block header + zstd frame + checksum
    private let blockTable = ByteBuffer(capacity: 4096)
    private let recordTable = ByteBuffer(capacity: 1 << 16)
    private var blockFirstRecord = 0
    private var blockCount = 0
    private var fileOffset = 0
    private var fileHash = XXHash64()

    public private(set) var recordCount = 0

    public init(path: String, schema: ShardSchema, metadata: [String: String] = [:],
                targetBlockBytes: Int = 1 << 20, compressionLevel: Int = 3,
                backgroundCompression: Bool = false) throws {
        try ShardHeader.validate(schema, metadata: metadata, path: path)
        self.path = path
        self.schema = schema
        self.types = schema.fields.map(\.type)
        self.targetBlockBytes = max(1, min(targetBlockBytes, Int(UInt32.max) / 2))
        self.level = Int32(compressionLevel)
        let url = URL(fileURLWithPath: path)
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        raw = ByteBuffer(capacity: self.targetBlockBytes + self.targetBlockBytes / 4 + 64)
        background = backgroundCompression ? DispatchQueue(label: "ShardWriter.compression") : nil
        if backgroundCompression {
            let capacity = raw.capacity
            spares = (0..<Self.blocksInFlight).map { _ in ByteBuffer(capacity: capacity) }
        }
        out = ByteBuffer(capacity: ZSTD_compressBound(raw.capacity) + 64)
        guard let c = ZSTD_createCCtx() else { throw ShardError.io(path: path, detail: "cannot create a zstd compression context") }
        cctx = c
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 {
            // Every stored property is set, so deinit runs and frees the context.
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
        background?.sync {}
        ZSTD_freeCCtx(cctx)
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
        let block = blockCount, first = blockFirstRecord
        blockCount += 1
        blockFirstRecord = recordCount
        guard let background else {
            try compressAndWrite(raw, block: block, firstRecord: first, records: records)
            raw.count = 0
            return
        }
        // Hand `raw` to the queue and continue in a spare (waiting while every spare is in flight).
        spareFree.wait()
        spareLock.lock()
        let failed = backgroundError
        spareLock.unlock()
        if let failed { spareFree.signal(); throw failed }
        let full = raw
        spareLock.lock()
        raw = spares.removeLast()
        spareLock.unlock()
        background.async { [self] in
            if backgroundError == nil {
                do { try compressAndWrite(full, block: block, firstRecord: first, records: records) }
                catch { spareLock.lock(); backgroundError = error; spareLock.unlock() }
            }
            full.count = 0
            spareLock.lock()
            spares.append(full)
            spareLock.unlock()
            spareFree.signal()
        }
    }

    /// Waits until no block is in flight; rethrows the first background error.
    private func drain() throws {
        guard let background else { return }
        background.sync {}
        if let e = backgroundError { throw e }
    }

    /// Compresses one block of raw records, frames it (header, zstd frame, checksum), writes it
    /// and records it in the block table. Runs on the caller's thread or, in background mode,
    /// on the queue; the semaphore orders the two, so the shared state has one user at a time.
    private func compressAndWrite(_ raw: ByteBuffer, block: Int, firstRecord: Int, records: Int) throws {
        out.count = 0
        let bound = ZSTD_compressBound(raw.count)
        out.reserve(ShardLayout.blockHeaderBytes + bound + ShardLayout.checksumBytes)
        let c = ZSTD_compressCCtx(cctx, out.base + ShardLayout.blockHeaderBytes, bound, raw.base, raw.count, level)
        if ZSTD_isError(c) != 0 {
            throw ShardError.io(path: path, detail: "zstd compression of block \(block) failed: \(String(cString: ZSTD_getErrorName(c)))")
        }
        out.append(UInt64(firstRecord))
        out.append(UInt32(records))
        out.append(UInt32(raw.count))
        out.append(UInt32(c))
        out.append(UInt32(block))
        out.count += c
        out.append(XXHash64.hash(out.bytes))

        blockTable.append(UInt64(fileOffset))
        blockTable.append(UInt64(firstRecord))
        blockTable.append(UInt32(records))
        blockTable.append(UInt32(raw.count))
        blockTable.append(UInt32(c))
        blockTable.append(UInt32(0))
        try write(out.bytes)
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
        background?.sync {}
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
