import CZstd
import Foundation

/// Random access to records; checks header, index and footer checksums on open and
/// each block's checksum when the block is first decompressed.
///
/// The file is memory-mapped; the index is read in place, so opening costs one pass
/// over the index (checksum and structure) and no allocation proportional to the shard.
/// Recently used blocks stay decompressed in a small LRU cache (`cacheBlocks`).
///
/// Thread safety: `read` and `verifyBlock` take an internal lock, so one reader may be
/// shared; records are decoded under it, but a block is decompressed outside it, so a thread
/// reading a cached block is not held up by another decompressing a new one. For fully
/// parallel decoding open one reader per thread (cheap: an mmap plus an index check).
/// The file must not be truncated while open (the mapping would fault); writers never
/// modify a finished shard, they replace it by rename.
public final class ShardReader: @unchecked Sendable {
    let path: String
    let fileBytes: Int
    public let blockCount: Int
    private let header: ShardHeader
    private let headerBytes: Int
    private let records: Int
    private let types: [ShardElementType]
    private let base: UnsafeRawPointer
    private let blockTable: UnsafeRawPointer
    private let recordTable: UnsafeRawPointer

    /// Guards the cache, `loading` and `spareContexts`; waited on while another thread
    /// decompresses a block this thread needs.
    private let lock = NSCondition()
    private let dctx: OpaquePointer
    /// Blocks being decompressed right now (outside the lock), and zstd contexts for that.
    private var loading: Set<Int> = []
    private var spareContexts: [OpaquePointer] = []
    private let cacheLimit: Int
    /// Most recently used last.
    private var cache: [(block: Int, buffer: ByteBuffer)] = []
    /// Reused by `verifyBlock`, which leaves the read cache alone.
    private lazy var verifyBuffer = ByteBuffer(capacity: 1 << 16)

    /// XXH64 over the checksums the file stores (header, every block in order, index), as
    /// little-endian 64-bit values: what a manifest records to tell this shard from any other
    /// (`ShardSummary.checksumDigest`). Computed on open from one 8-byte load per block, and
    /// tied to every byte: the header and index are checked on open, each block when read.
    public let checksumDigest: String
    public var schema: ShardSchema { header.schema }
    var metadata: [String: String] { header.metadata }
    public var recordCount: Int { records }

    /// Opens and validates a shard. `expectedBytes` (from a manifest) turns a short
    /// file into a "truncated: expected N bytes" error before anything else is read.
    public convenience init(path: String, expectedBytes: Int? = nil, cacheBlocks: Int = 4) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ShardError.io(path, "cannot open shard", errno: errno) }
        defer { close(fd) }  // the mapping outlives the descriptor
        var st = stat()
        if fstat(fd, &st) != 0 { throw ShardError.io(path, "cannot stat shard", errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw ShardError.io(path: path, detail: "not a regular file") }
        let size = Int(st.st_size)
        if let expected = expectedBytes, expected != size {
            throw ShardError.corrupt(
                path: path,
                detail: size < expected
                    ? "truncated: file is \(size) bytes, expected \(expected)"
                    : "file is \(size) bytes, expected \(expected)")
        }
        try Self.checkMinimumSize(size, path: path)
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
            throw ShardError.io(path, "cannot map shard", errno: errno)
        }
        try self.init(path: path, base: UnsafeRawPointer(m), size: size, storage: .mapped, cacheBlocks: cacheBlocks)
    }

    /// Opens the shard a manifest lists as `summary` and checks that it is that shard: its size
    /// and its checksum digest (so a shard of another dataset, or of another run, is refused
    /// even when its size and record count match). Costs no more than a plain open.
    public convenience init(path: String, summary: ShardSummary, cacheBlocks: Int = 4) throws {
        try self.init(path: path, expectedBytes: summary.bytes, cacheBlocks: cacheBlocks)
        if let want = summary.checksumDigest, want != checksumDigest {
            throw ShardError.corrupt(
                path: path,
                detail:
                    "is not the shard the manifest lists: checksum digest \(checksumDigest), manifest says \(want) (a shard of another dataset or run?)"
            )
        }
    }

    /// A reader over a copy of `bytes` (tests, or shards received over the network);
    /// `path` only labels errors.
    convenience init(bytes: [UInt8], path: String, cacheBlocks: Int = 4) throws {
        try Self.checkMinimumSize(bytes.count, path: path)
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        try self.init(
            path: path, base: UnsafeRawPointer(copy), size: bytes.count, storage: .owned, cacheBlocks: cacheBlocks)
    }

    private static func checkMinimumSize(_ size: Int, path: String) throws {
        let minimum =
            ShardLayout.headerFixedBytes + 8 + ShardLayout.indexBytes(blocks: 0, records: 0) + ShardLayout.footerBytes
        guard size >= minimum else {
            throw ShardError.corrupt(
                path: path, detail: "truncated: file is \(size) bytes, the smallest finished shard is \(minimum) bytes")
        }
    }

    private enum Storage { case mapped, owned }
    private let storage: Storage

    private static func release(_ p: UnsafeRawPointer, _ size: Int, _ storage: Storage) {
        switch storage {
        case .mapped: munmap(UnsafeMutableRawPointer(mutating: p), size)
        case .owned: UnsafeMutableRawPointer(mutating: p).deallocate()
        }
    }

    /// Takes ownership of `base` (released on failure too) and validates everything but the blocks.
    private init(path: String, base p: UnsafeRawPointer, size: Int, storage: Storage, cacheBlocks: Int) throws {
        self.path = path
        cacheLimit = max(1, cacheBlocks)
        fileBytes = size
        base = p
        self.storage = storage
        guard let d = ZSTD_createDCtx() else {
            Self.release(p, size, storage)
            throw ShardError.io(path: path, detail: "cannot create a zstd decompression context")
        }
        dctx = d
        do {
            (header, headerBytes) = try ShardHeader.decode(p, fileBytes: size, path: path)
            types = header.schema.fields.map(\.type)
            (blockCount, records, blockTable, recordTable) = try Self.validateTail(
                p, size: size, headerBytes: headerBytes, path: path)
            checksumDigest = Self.checksumDigest(
                p, size: size, headerBytes: headerBytes, blocks: blockCount, blockTable: blockTable)
        } catch {
            ZSTD_freeDCtx(d)
            Self.release(p, size, storage)
            throw error
        }
    }

    deinit {
        Self.release(base, fileBytes, storage)
        ZSTD_freeDCtx(dctx)
        for c in spareContexts { ZSTD_freeDCtx(c) }
        Self.spareBuffers.give(cache.map(\.buffer))
    }

    /// Block buffers of closed readers, for the next reader: `prep mask` reopens its input
    /// readers at every output shard (so resident memory does not grow with the input), and
    /// fresh ~1 MB buffers each time cost page faults. At most 8 are kept.
    static let spareBuffers = SpareBuffers()

    final class SpareBuffers: @unchecked Sendable {
        private let lock = NSLock()
        private var buffers: [ByteBuffer] = []
        func take() -> ByteBuffer {
            lock.lock(); defer { lock.unlock() }
            return buffers.popLast() ?? ByteBuffer(capacity: 1 << 16)
        }
        func give(_ returned: [ByteBuffer]) {
            lock.lock(); defer { lock.unlock() }
            buffers += returned.prefix(max(0, 8 - buffers.count))
        }
    }

    /// See `checksumDigest`; the tail has been validated, so every offset is in the file.
    private static func checksumDigest(
        _ p: UnsafeRawPointer, size: Int, headerBytes: Int, blocks: Int, blockTable: UnsafeRawPointer
    ) -> String {
        var h = XXHash64()
        func add(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { h.update($0) } }
        add(p.le(headerBytes - ShardLayout.checksumBytes))
        for b in 0..<blocks {
            let e = blockTable + b * ShardLayout.blockEntryBytes
            let end =
                Int(truncatingIfNeeded: e.le(0, UInt64.self)) + ShardLayout.blockHeaderBytes
                + Int(e.le(24, UInt32.self))
            add(p.le(end))
        }
        add(p.le(size - ShardLayout.footerBytes - ShardLayout.checksumBytes))  // the index's, last in it
        return XXHash64.hex(h.digest())
    }

    /// Footer, index checksum and index structure. Returns (blocks, records, block table, record table).
    private static func validateTail(
        _ p: UnsafeRawPointer, size: Int, headerBytes: Int, path: String
    ) throws
        -> (Int, Int, UnsafeRawPointer, UnsafeRawPointer)
    {
        func bad(_ d: String) -> ShardError { .corrupt(path: path, detail: d) }
        let footer = size - ShardLayout.footerBytes
        guard memcmpEqual(p + size - 8, ShardLayout.endMagic) else {
            throw bad("no end marker in the last 8 bytes: truncated or never finished (file is \(size) bytes)")
        }
        let storedFooterHash: UInt64 = p.le(footer + 24)
        let footerHash = XXHash64.hash(UnsafeRawBufferPointer(start: p + footer, count: ShardLayout.footerCheckedBytes))
        guard storedFooterHash == footerHash else {
            throw bad(
                "footer checksum mismatch (bytes \(footer)..<\(footer + 24)): stored \(XXHash64.hex(storedFooterHash)), computed \(XXHash64.hex(footerHash))"
            )
        }
        let indexOffset = Int(truncatingIfNeeded: p.le(footer, UInt64.self))
        let blocks = Int(truncatingIfNeeded: p.le(footer + 8, UInt64.self))
        let records = Int(truncatingIfNeeded: p.le(footer + 16, UInt64.self))
        guard indexOffset >= headerBytes, indexOffset <= size, blocks >= 0, records >= 0, blocks <= size,
            records <= size,
            indexOffset + ShardLayout.indexBytes(blocks: blocks, records: records) + ShardLayout.footerBytes == size
        else {
            throw bad(
                "footer (index at byte \(indexOffset), \(blocks) blocks, \(records) records) does not describe a \(size)-byte file"
            )
        }
        let indexLength = ShardLayout.indexBytes(blocks: blocks, records: records) - 8
        let storedIndexHash: UInt64 = p.le(indexOffset + indexLength)
        let indexHash = XXHash64.hash(UnsafeRawBufferPointer(start: p + indexOffset, count: indexLength))
        guard storedIndexHash == indexHash else {
            throw bad(
                "index checksum mismatch (bytes \(indexOffset)..<\(indexOffset + indexLength)): stored \(XXHash64.hex(storedIndexHash)), computed \(XXHash64.hex(indexHash))"
            )
        }
        // Structure: blocks tile the bytes between header and index, records tile the blocks.
        let blockTable = p + indexOffset
        let recordTable = blockTable + blocks * ShardLayout.blockEntryBytes
        var offset = headerBytes, first = 0
        for b in 0..<blocks {
            let e = blockTable + b * ShardLayout.blockEntryBytes
            let n = Int(e.le(16, UInt32.self)), rawBytes = Int(e.le(20, UInt32.self)), c = Int(e.le(24, UInt32.self))
            guard Int(truncatingIfNeeded: e.le(0, UInt64.self)) == offset,
                Int(truncatingIfNeeded: e.le(8, UInt64.self)) == first,
                n > 0, first + n <= records, e.le(28, UInt32.self) == 0
            else {
                throw bad(
                    "index entry of block \(b) is inconsistent (expected offset \(offset), first record \(first))")
            }
            var previous = -1
            for i in first..<(first + n) {
                let r = recordTable + i * ShardLayout.recordEntryBytes
                let o = Int(r.le(4, UInt32.self))
                guard Int(r.le(0, UInt32.self)) == b, o > previous, o < rawBytes, previous >= 0 || o == 0 else {
                    throw bad("index entry of record \(i) (block \(b)) is inconsistent")
                }
                previous = o
            }
            offset += ShardLayout.blockHeaderBytes + c + ShardLayout.checksumBytes
            first += n
        }
        guard offset == indexOffset, first == records else {
            throw bad(
                "blocks end at byte \(offset) with \(first) records; index starts at byte \(indexOffset) and the footer counts \(records) records"
            )
        }
        return (blocks, records, blockTable, recordTable)
    }

    private func checkInRange(_ index: Int) throws {
        guard index >= 0, index < records else {
            throw ShardError.io(path: path, detail: "record \(index) is out of range (shard has \(records) records)")
        }
    }

    /// Record `index`'s block (decompressed, cached) and its byte range in it. Call with `lock` held.
    private func locate(_ index: Int) throws -> (buffer: ByteBuffer, block: Int, start: Int, end: Int) {
        let r = recordTable + index * ShardLayout.recordEntryBytes
        let b = Int(r.le(0, UInt32.self))
        let start = Int(r.le(4, UInt32.self))
        let buffer = try block(b, forRecord: index)
        let e = blockTable + b * ShardLayout.blockEntryBytes
        let lastInBlock = Int(e.le(8, UInt64.self)) + Int(e.le(16, UInt32.self)) - 1
        let end = index < lastInBlock ? Int((r + ShardLayout.recordEntryBytes).le(4, UInt32.self)) : buffer.count
        return (buffer, b, start, end)
    }

    /// Decodes record `index` into `record`, reusing its arrays' storage.
    public func read(_ index: Int, into record: inout ShardRecord) throws {
        try checkInRange(index)
        lock.lock()
        defer { lock.unlock() }
        _ = try readLocked(index, into: &record)
    }

    /// Decodes record `index` into `record` with the lock held; returns the record's block.
    private func readLocked(_ index: Int, into record: inout ShardRecord) throws -> Int {
        let (buffer, b, start, end) = try locate(index)
        if record.columns.count != types.count { record = ShardRecord(columnCount: types.count) }
        try decode(UnsafeRawPointer(buffer.base), from: start, to: end, into: &record, block: b, index: index)
        return b
    }

    /// Decodes records `indices` into `records[0..<indices.count]` (grown as needed, storage
    /// reused), taking the lock once for the run. Threads sharing a reader (`prep mask`'s
    /// workers) took it once per record: ~2,000 futex sleeps per GB of text, each leaving a core
    /// idle for ~0.1 ms while the sleeper was woken (perf sched_switch, 2-core VM). `prefetch`:
    /// for readers read in order by several threads, also decompress the block after the last
    /// record's (when the cache holds more than two blocks).
    public func read(_ indices: Range<Int>, into records: inout [ShardRecord], prefetch: Bool = false) throws {
        guard !indices.isEmpty else { return }
        try checkInRange(indices.lowerBound)
        try checkInRange(indices.upperBound - 1)
        while records.count < indices.count { records.append(ShardRecord(columnCount: types.count)) }
        lock.lock()
        defer { lock.unlock() }
        var last = 0
        for (k, index) in indices.enumerated() { last = try readLocked(index, into: &records[k]) }
        guard prefetch else { return }
        // Read-ahead: the first reader of a block decompresses the next one now, so the threads
        // reading in order find it cached instead of one decompressing it (~1 ms) while the
        // others wait idle. A failure here is left for the read that needs the block to report.
        let next = last + 1
        if next < blockCount, cacheLimit > 2, !loading.contains(next), !cache.contains(where: { $0.block == next }) {
            _ = try? block(next, forRecord: nil)
        }
    }

    /// Runs `body` on record `index` in place in its decompressed block (no copy), under the
    /// reader's lock: keep `body` short, and do not let the view escape it. For records of at
    /// most `ShardRecordView.maxColumns` columns.
    public func withRecord<R>(_ index: Int, _ body: (ShardRecordView) throws -> R) throws -> R {
        try checkInRange(index)
        precondition(types.count <= ShardRecordView.maxColumns, "withRecord supports up to 4 columns")
        lock.lock()
        defer { lock.unlock() }
        let (buffer, b, start, end) = try locate(index)
        let p = UnsafeRawPointer(buffer.base)
        // Column bounds on the stack (no allocation).
        return try withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * ShardRecordView.maxColumns) { bounds in
            bounds.initialize(repeating: 0)
            try forEachColumn(of: p, from: start, to: end, block: b, index: index) { f, offset, n in
                bounds[f] = offset; bounds[4 + f] = n
            }
            return try body(
                ShardRecordView(
                    base: p, types: types, starts: (bounds[0], bounds[1], bounds[2], bounds[3]),
                    counts: (bounds[4], bounds[5], bounds[6], bounds[7])))
        }
    }

    private func decode(
        _ p: UnsafeRawPointer, from start: Int, to end: Int, into record: inout ShardRecord,
        block b: Int, index: Int
    ) throws {
        try forEachColumn(of: p, from: start, to: end, block: b, index: index) { f, offset, n in
            Self.fill(&record.columns[f], count: n, from: p + offset, type: types[f])
        }
    }

    /// The one check of a record's layout against the schema: walks the record's bytes
    /// `start..<end` column by column and calls `column(f, offset, count)` for each (elements at
    /// `offset`); throws `corrupt` when the bytes do not hold exactly the schema's columns.
    @inline(__always)
    private func forEachColumn(
        of p: UnsafeRawPointer, from start: Int, to end: Int, block b: Int, index: Int,
        _ column: (_ field: Int, _ offset: Int, _ count: Int) -> Void
    ) throws {
        var o = start
        for f in 0..<types.count {
            let w = ShardLayout.width(types[f])
            guard o + 4 <= end else { throw overrun(b, index) }
            let n = Int(p.le(o, UInt32.self))
            o += 4
            guard n <= (end - o) / w else { throw overrun(b, index) }
            column(f, o, n)
            o += n * w
        }
        guard o == end else { throw overrun(b, index) }
    }

    private func overrun(_ b: Int, _ index: Int) -> ShardError {
        .corrupt(path: path, detail: "block \(b), record \(index): record bytes do not match the schema")
    }

    /// Resizes `column` to `n` in place (keeping capacity) and widens the stored elements.
    @inline(__always)
    private static func fill(_ column: inout [UInt32], count n: Int, from src: UnsafeRawPointer, type: ShardElementType)
    {
        if column.count > n {
            column.removeLast(column.count - n)
        } else if column.count < n {
            column.append(contentsOf: repeatElement(0, count: n - column.count))
        }
        column.withUnsafeMutableBufferPointer { dst in
            switch type {
            case .uint8:
                for k in 0..<n { dst[k] = UInt32(src.load(fromByteOffset: k, as: UInt8.self)) }
            case .uint16:
                for k in 0..<n {
                    dst[k] = UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))
                }
            case .uint32, .int32:
                for k in 0..<n {
                    dst[k] = UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self))
                }
            }
        }
    }

    /// The decompressed bytes of block `b`, from the cache or verified and decompressed now.
    /// Called with the lock held. The decompression itself runs outside the lock: threads that
    /// share a reader (`prep mask`'s workers) would otherwise wait ~1 ms per new block even for
    /// records of blocks already cached. A thread that needs a block another is decompressing
    /// waits for it instead of decompressing it twice.
    private func block(_ b: Int, forRecord index: Int?) throws -> ByteBuffer {
        while true {
            if let last = cache.last, last.block == b { return last.buffer }
            if let k = cache.firstIndex(where: { $0.block == b }) {
                let hit = cache.remove(at: k)
                cache.append(hit)
                return hit.buffer
            }
            if !loading.contains(b) { break }
            lock.wait()
        }
        loading.insert(b)
        let context = spareContexts.popLast() ?? ZSTD_createDCtx()
        let buffer = Self.spareBuffers.take()
        lock.unlock()
        var failure: Error?
        if let context {
            do { try decompress(b, into: buffer, forRecord: index, context: context) } catch { failure = error }
        } else {
            failure = ShardError.io(path: path, detail: "cannot create a zstd decompression context")
        }
        lock.lock()
        loading.remove(b)
        if let context { spareContexts.append(context) }
        lock.broadcast()
        if let failure {
            Self.spareBuffers.give([buffer])
            throw failure
        }
        if cache.count >= cacheLimit { Self.spareBuffers.give([cache.removeFirst().buffer]) }
        cache.append((b, buffer))
        return buffer
    }

    private func decompress(
        _ b: Int, into buffer: ByteBuffer, forRecord index: Int?, context: OpaquePointer? = nil
    ) throws {
        let e = blockTable + b * ShardLayout.blockEntryBytes
        let offset = Int(e.le(0, UInt64.self)), first = Int(e.le(8, UInt64.self))
        let n = Int(e.le(16, UInt32.self)), rawBytes = Int(e.le(20, UInt32.self)), c = Int(e.le(24, UInt32.self))
        let span = ShardLayout.blockHeaderBytes + c
        let at = index.map { ", reading record \($0)" } ?? ""
        func bad(_ d: String) -> ShardError {
            .corrupt(
                path: path,
                detail:
                    "block \(b) (records \(first)..<\(first + n), bytes \(offset)..<\(offset + span + 8))\(at): \(d)")
        }
        let p = base + offset
        let stored: UInt64 = p.le(span)
        let actual = XXHash64.hash(UnsafeRawBufferPointer(start: p, count: span))
        guard stored == actual else {
            throw bad("checksum mismatch: stored \(XXHash64.hex(stored)), computed \(XXHash64.hex(actual))")
        }
        guard Int(p.le(0, UInt64.self)) == first, Int(p.le(8, UInt32.self)) == n,
            Int(p.le(12, UInt32.self)) == rawBytes,
            Int(p.le(16, UInt32.self)) == c, Int(p.le(20, UInt32.self)) == b
        else {
            throw bad("block header disagrees with the index")
        }
        buffer.count = 0
        buffer.reserve(rawBytes)
        let got = ZSTD_decompressDCtx(context ?? dctx, buffer.base, rawBytes, p + ShardLayout.blockHeaderBytes, c)
        if ZSTD_isError(got) != 0 { throw bad("zstd: \(String(cString: ZSTD_getErrorName(got)))") }
        guard got == rawBytes else { throw bad("decompressed to \(got) bytes, index says \(rawBytes)") }
        buffer.count = rawBytes
    }

    /// Records `range` (all in one block) in a buffer of their own, their block decompressed
    /// and verified now and the records checked as `read` checks them; the cache is left
    /// alone. Errors name `range`'s first record as the one being read.
    public func contents(ofRecords range: Range<Int>) throws -> ShardBlockContents {
        try checkInRange(range.lowerBound)
        try checkInRange(range.upperBound - 1)
        let b = block(ofRecord: range.lowerBound)
        precondition(block(ofRecord: range.upperBound - 1) == b, "records \(range) span more than one block")
        lock.lock()
        let context = spareContexts.popLast() ?? ZSTD_createDCtx()
        lock.unlock()
        guard let context else { throw ShardError.io(path: path, detail: "cannot create a zstd decompression context") }
        defer { lock.lock(); spareContexts.append(context); lock.unlock() }
        let buffer = Self.spareBuffers.take()
        do {
            try decompress(b, into: buffer, forRecord: range.lowerBound, context: context)
            let lastInBlock = recordRange(ofBlock: b).upperBound - 1
            let p = UnsafeRawPointer(buffer.base)
            let widths = types.map(ShardLayout.width)
            var starts: [Int] = []
            starts.reserveCapacity(range.count)
            for index in range {
                let r = recordTable + index * ShardLayout.recordEntryBytes
                let start = Int(r.le(4, UInt32.self))
                let end =
                    index < lastInBlock ? Int((r + ShardLayout.recordEntryBytes).le(4, UInt32.self)) : buffer.count
                var o = start
                for w in widths {
                    guard o + 4 <= end else { throw overrun(b, index) }
                    let n = Int(p.le(o, UInt32.self))
                    o += 4
                    guard n <= (end - o) / w else { throw overrun(b, index) }
                    o += n * w
                }
                guard o == end else { throw overrun(b, index) }
                starts.append(start)
            }
            return ShardBlockContents(records: range, buffer: buffer, widths: widths, starts: starts)
        } catch {
            Self.spareBuffers.give([buffer])
            throw error
        }
    }

    /// Verifies block `b` completely: checksum, header, decompression and the layout of
    /// every record in it. Used by `Dataset.verify`; does not disturb the cache.
    func verifyBlock(_ b: Int) throws {
        precondition(b >= 0 && b < blockCount, "block \(b) out of range")
        lock.lock()
        defer { lock.unlock() }
        let buffer = verifyBuffer
        try decompress(b, into: buffer, forRecord: nil)
        let e = blockTable + b * ShardLayout.blockEntryBytes
        let first = Int(e.le(8, UInt64.self)), n = Int(e.le(16, UInt32.self))
        var scratch = ShardRecord(columnCount: types.count)
        for i in first..<(first + n) {
            let start = Int((recordTable + i * ShardLayout.recordEntryBytes).le(4, UInt32.self))
            let end =
                i < first + n - 1
                ? Int((recordTable + (i + 1) * ShardLayout.recordEntryBytes).le(4, UInt32.self)) : buffer.count
            try decode(UnsafeRawPointer(buffer.base), from: start, to: end, into: &scratch, block: b, index: i)
        }
    }

    /// Verifies every block (see `verifyBlock`).
    func verifyAllBlocks() throws {
        for b in 0..<blockCount { try verifyBlock(b) }
    }

    /// XXH64 of the whole file, as recorded in the manifest.
    func fileChecksum() -> UInt64 {
        XXHash64.hash(UnsafeRawBufferPointer(start: base, count: fileBytes))
    }

    /// The block holding record `index` (for block-aware shuffling in loaders). O(1).
    func block(ofRecord index: Int) -> Int {
        precondition(index >= 0 && index < records, "record \(index) out of range 0..<\(records)")
        return Int((recordTable + index * ShardLayout.recordEntryBytes).le(0, UInt32.self))
    }

    /// Record range `first..<first+count` of block `b`.
    public func recordRange(ofBlock b: Int) -> Range<Int> {
        let e = blockTable + b * ShardLayout.blockEntryBytes
        let first = Int(e.le(8, UInt64.self))
        return first..<(first + Int(e.le(16, UInt32.self)))
    }
}
