// XXH64, the 64-bit xxHash of Yann Collet (spec: github.com/Cyan4973/xxHash, doc/xxhash_spec.md).
// Implemented here so that shards need no extra system library; tested against
// vectors produced by the Python `xxhash` package (see Scripts/reference/xxhash-vectors).

/// Streaming XXH64. `update` may be called any number of times; `digest()` does not
/// consume the state, so a running hash can be inspected mid-stream.
struct XXHash64: Sendable {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    private var v1, v2, v3, v4: UInt64
    private let seed: UInt64
    private var totalLength: UInt64 = 0
    /// Bytes of an incomplete 32-byte stripe, kept between `update` calls.
    private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var pendingCount = 0

    init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ Self.p1 &+ Self.p2
        v2 = seed &+ Self.p2
        v3 = seed
        v4 = seed &- Self.p1
    }

    /// One-shot hash of a buffer.
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var h = XXHash64(seed: seed)
        h.update(bytes)
        return h.digest()
    }

    static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }

    @inline(__always) static func mergeRound(_ acc: UInt64, _ val: UInt64) -> UInt64 {
        (acc ^ round(0, val)) &* p1 &+ p4
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var n = bytes.count
        totalLength &+= UInt64(n)
        if pendingCount > 0 {
            let take = min(32 - pendingCount, n)
            withUnsafeMutableBytes(of: &pending) { buf in
                (buf.baseAddress! + pendingCount).copyMemory(from: p, byteCount: take)
            }
            pendingCount += take; p += take; n -= take
            if pendingCount < 32 { return }
            let (a, b, c, d) = pending
            v1 = Self.round(v1, UInt64(littleEndian: a))
            v2 = Self.round(v2, UInt64(littleEndian: b))
            v3 = Self.round(v3, UInt64(littleEndian: c))
            v4 = Self.round(v4, UInt64(littleEndian: d))
            pendingCount = 0
        }
        var a = v1, b = v2, c = v3, d = v4
        while n >= 32 {
            a = Self.round(a, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
            b = Self.round(b, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            c = Self.round(c, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            d = Self.round(d, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
            p += 32; n -= 32
        }
        v1 = a; v2 = b; v3 = c; v4 = d
        if n > 0 {
            withUnsafeMutableBytes(of: &pending) { buf in buf.baseAddress!.copyMemory(from: p, byteCount: n) }
            pendingCount = n
        }
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    func digest() -> UInt64 {
        var h: UInt64
        if totalLength >= 32 {
            h = Self.rotl(v1, 1) &+ Self.rotl(v2, 7) &+ Self.rotl(v3, 12) &+ Self.rotl(v4, 18)
            h = Self.mergeRound(h, v1)
            h = Self.mergeRound(h, v2)
            h = Self.mergeRound(h, v3)
            h = Self.mergeRound(h, v4)
        } else {
            h = seed &+ Self.p5
        }
        h &+= totalLength
        var tail = pending
        let count = pendingCount
        withUnsafeBytes(of: &tail) { buf in
            var p = buf.baseAddress!
            var n = count
            while n >= 8 {
                let k = Self.round(0, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
                h = Self.rotl(h ^ k, 27) &* Self.p1 &+ Self.p4
                p += 8; n -= 8
            }
            if n >= 4 {
                h ^= UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self))) &* Self.p1
                h = Self.rotl(h, 23) &* Self.p2 &+ Self.p3
                p += 4; n -= 4
            }
            while n > 0 {
                h ^= UInt64(p.load(as: UInt8.self)) &* Self.p5
                h = Self.rotl(h, 11) &* Self.p1
                p += 1; n -= 1
            }
        }
        h ^= h >> 33
        h &*= Self.p2
        h ^= h >> 29
        h &*= Self.p3
        h ^= h >> 32
        return h
    }

    /// The 16-digit lowercase hex form used in manifests (same as `xxhash.xxh64().hexdigest()`).
    static func hex(_ value: UInt64) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
