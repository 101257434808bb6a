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
/// With `backgroundCompression`, full blocks are compressed on other threads while the
/// caller fills the next one (`BlockCompressionScheduler`); the bytes are the same either way.
public final class ShardWriter {
    /// Final path of the shard.
    let path: String
    /// Where bytes go until `finish()` renames them into place.
    let temporaryPath: String
    let schema: ShardSchema

    private enum State { case open, finished, abandoned }
    private var state = State.open
    private var fd: Int32
    private let targetBlockBytes: Int
    private let types: [ShardElementType]

    private let blocks: BlockCompressionScheduler
    /// The raw records of the block being filled (`blocks.filling.raw`, kept at hand for the
    /// append loops).
    private var raw: ByteBuffer
    private let blockTable = ByteBuffer(capacity: 4096)
    private let recordTable = ByteBuffer(capacity: 1 << 16)
    private var blockFirstRecord = 0
    private var blockCount = 0
    private var fileOffset = 0
    private var fileHash = XXHash64()

    private(set) var recordCount = 0

    /// A writer of a new shard at `path` (written to `temporaryPath` until `finish()`).
    ///
    /// `huffmanLiterals`: Huffman-code the literals at every level. zstd skips that at negative
    /// levels for speed, but on token ids it is cheaper than matching harder: `prep mask`'s
    /// instance blocks are the same size at level −12 with it as at −2 without it, and compress
    /// ~20% faster. `backgroundCompression`: see the type's comment.
    public init(
        path: String, schema: ShardSchema, metadata: [String: String] = [:],
        targetBlockBytes: Int = 1 << 20, compressionLevel: Int = 3, huffmanLiterals: Bool = false,
        backgroundCompression: Bool = false
    ) throws {
        try ShardHeader.validate(schema, metadata: metadata, path: path)
        self.path = path
        self.schema = schema
        self.types = schema.fields.map(\.type)
        self.targetBlockBytes = max(1, min(targetBlockBytes, Int(UInt32.max) / 2))
        let url = URL(fileURLWithPath: path)
        temporaryPath =
            url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        let capacity = self.targetBlockBytes + self.targetBlockBytes / 4 + 64
        blocks = try BlockCompressionScheduler(
            capacity: capacity, level: Int32(compressionLevel),
            huffmanLiterals: huffmanLiterals, background: backgroundCompression, path: path)
        raw = blocks.filling.raw
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
    }

    /// Encodes one record into the current block. A value that does not fit its
    /// column's width is rejected and leaves the shard as it was.
    public func append(_ record: ShardRecord) throws {
        try append(columnCount: record.columns.count) { f, body in try record.columns[f].withUnsafeBufferPointer(body) }
    }

    /// As `append(_:)`, with column f given as a buffer by `column(f)` (valid during the call):
    /// a producer that keeps records in flat arrays (`prep mask`'s batches) skips building a
    /// `ShardRecord` per record, whose array copies were ~10% of that command's CPU.
    func append(columnCount: Int, _ column: (Int) -> UnsafeBufferPointer<UInt32>) throws {
        try append(columnCount: columnCount) { f, body in try body(column(f)) }
    }

    /// The one encoding path: `withColumn(f, body)` runs `body` on column f's values.
    private func append(
        columnCount: Int,
        _ withColumn: (Int, (UnsafeBufferPointer<UInt32>) throws -> Void) throws -> Void
    ) throws {
        guard state == .open else { throw ShardError.io(path: path, detail: "append after finish() or abandon()") }
        guard columnCount == types.count else {
            throw ShardError.schemaMismatch(
                path: path,
                detail:
                    "record \(recordCount) has \(columnCount) columns, schema has \(types.count) (\(schema.fields.map(\.name).joined(separator: ", ")))"
            )
        }
        let start = raw.count
        var bytes = 0
        for f in 0..<columnCount { try withColumn(f) { bytes += 4 + $0.count * ShardLayout.width(types[f]) } }
        guard start + bytes <= Int(UInt32.max) else {
            throw ShardError.schemaMismatch(
                path: path, detail: "record \(recordCount) is \(bytes) bytes; a block holds at most 4 GiB")
        }
        raw.reserve(bytes)
        for f in 0..<columnCount {
            try withColumn(f) { values in
                if let bad = raw.appendColumn(values, as: types[f]) {
                    raw.count = start
                    throw ShardError.valueDoesNotFit(
                        values[bad], path: path, record: recordCount, field: schema.fields[f], element: bad)
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
            throw ShardError.schemaMismatch(
                path: path,
                detail: records.hasOpenRecord
                    ? "encoded records end with an incomplete record"
                    : "encoded records have schema \(records.schema.fields.map(\.name)), the shard has \(schema.fields.map(\.name))"
            )
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
                throw ShardError.schemaMismatch(
                    path: path, detail: "record \(recordCount) would make a block over 4 GiB")
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

    private func flushBlock() throws {
        let records = recordCount - blockFirstRecord
        guard records > 0 else { return }
        let block = blockCount, first = blockFirstRecord
        blockCount += 1
        blockFirstRecord = recordCount
        try blocks.close(block: block, firstRecord: first, records: records) { [self] in try writeBlock($0) }
        raw = blocks.filling.raw
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
        guard state == .open else {
            throw ShardError.io(path: path, detail: "finish() called twice or after abandon()")
        }
        do {
            try flushBlock()
            try blocks.drain()
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
            footer.append(
                XXHash64.hash(UnsafeRawBufferPointer(start: footer.base + 8, count: ShardLayout.footerCheckedBytes)))
            footer.append(bytes: ShardLayout.endMagic)
            try write(footer.bytes)
            if fsync(fd) != 0 { throw ShardError.io(path, "fsync of \(temporaryPath) failed", errno: errno) }
            let closed = close(fd)
            fd = -1
            if closed != 0 { throw ShardError.io(path, "close of \(temporaryPath) failed", errno: errno) }
            if rename(temporaryPath, path) != 0 {
                throw ShardError.io(path, "rename from \(temporaryPath) failed", errno: errno)
            }
            state = .finished
            try syncDirectory(containing: path)
        } catch {
            if state == .open { abandon() }
            throw error
        }
        // The digest is what a reader computes on open; opening the finished file also
        // checks that what was written reads back (header, index, footer).
        let digest = try ShardReader(path: path, expectedBytes: fileOffset, cacheBlocks: 1).checksumDigest
        return ShardSummary(
            file: URL(fileURLWithPath: path).lastPathComponent, records: recordCount,
            bytes: fileOffset, xxh64: XXHash64.hex(fileHash.digest()), checksumDigest: digest)
    }

    /// Removes the temporary file (on error or cancellation). Safe to call more than once;
    /// does nothing after a successful `finish()`.
    public func abandon() {
        guard state == .open else { return }
        state = .abandoned
        blocks.cancel()
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
