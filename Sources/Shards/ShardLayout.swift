// Byte layout of a shard file; see docs/shard-format.md for the one-page specification.
// All integers are little-endian. Offsets below are relative to the start of each part.

enum ShardLayout {
    /// First 8 bytes of every shard.
    static let magic: [UInt8] = Array("DRBSHARD".utf8)
    /// Last 8 bytes of every finished shard; its absence means truncated or unfinished.
    static let endMagic: [UInt8] = Array("DRBS-END".utf8)
    static let formatVersion: UInt32 = 1
    static let codecZstd: UInt32 = 1

    /// magic(8) version(4) headerBytes(4) codec(4) fieldCount(4) metadataCount(4).
    static let headerFixedBytes = 28
    /// firstRecord(8) records(4) rawBytes(4) compressedBytes(4) blockNumber(4).
    static let blockHeaderBytes = 24
    static let checksumBytes = 8
    /// fileOffset(8) firstRecord(8) records(4) rawBytes(4) compressedBytes(4) reserved(4).
    static let blockEntryBytes = 32
    /// blockNumber(4) offsetInBlock(4).
    static let recordEntryBytes = 8
    /// indexOffset(8) blockCount(8) recordCount(8) checksum(8) endMagic(8).
    static let footerBytes = 40
    /// Bytes of the footer covered by its checksum.
    static let footerCheckedBytes = 24

    static func indexBytes(blocks: Int, records: Int) -> Int {
        blocks * blockEntryBytes + records * recordEntryBytes + checksumBytes
    }

    static func width(_ t: ShardElementType) -> Int {
        switch t {
        case .uint8: return 1
        case .uint16: return 2
        case .uint32, .int32: return 4
        }
    }
}

/// A growable byte buffer on raw memory: the writer encodes records into it without
/// per-record allocation, and it is reused for every block.
final class ByteBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    @inline(__always) func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        var c = capacity
        while c < needed { c *= 2 }
        let nb = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 16)
        nb.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = nb
        capacity = c
    }

    @inline(__always) func append<T: FixedWidthInteger>(_ v: T) {
        reserve(MemoryLayout<T>.size)
        (base + count).storeBytes(of: v.littleEndian, as: T.self)
        count += MemoryLayout<T>.size
    }

    func append(bytes: [UInt8]) {
        reserve(bytes.count)
        bytes.withUnsafeBytes { (base + count).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        count += bytes.count
    }

    func append(_ raw: UnsafeRawBufferPointer) {
        guard let p = raw.baseAddress, raw.count > 0 else { return }
        reserve(raw.count)
        (base + count).copyMemory(from: p, byteCount: raw.count)
        count += raw.count
    }

    func store<T: FixedWidthInteger>(_ v: T, at offset: Int) {
        (base + offset).storeBytes(of: v.littleEndian, as: T.self)
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}

extension UnsafeRawPointer {
    @inline(__always) func le<T: FixedWidthInteger>(_ offset: Int, _: T.Type = T.self) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
