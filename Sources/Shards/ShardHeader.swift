// The self-describing header at offset 0: schema and key/value metadata, closed by
// an XXH64 of everything before it. Layout in docs/shard-format.md.

struct ShardHeader: Equatable {
    var schema: ShardSchema
    var metadata: [String: String]

    /// Serialises the header; metadata keys are sorted so equal inputs give equal bytes.
    func encoded() -> [UInt8] {
        let b = ByteBuffer(capacity: 256)
        b.append(bytes: ShardLayout.magic)
        b.append(ShardLayout.formatVersion)
        b.append(UInt32(0))  // header length, patched below
        b.append(ShardLayout.codecZstd)
        b.append(UInt32(schema.fields.count))
        b.append(UInt32(metadata.count))
        for f in schema.fields {
            let name = Array(f.name.utf8)
            b.append(f.type.rawValue)
            b.append(UInt16(name.count))
            b.append(bytes: name)
        }
        for key in metadata.keys.sorted() {
            let k = Array(key.utf8), v = Array(metadata[key]!.utf8)
            b.append(UInt32(k.count)); b.append(bytes: k)
            b.append(UInt32(v.count)); b.append(bytes: v)
        }
        b.store(UInt32(b.count + ShardLayout.checksumBytes), at: 12)
        b.append(XXHash64.hash(b.bytes))
        return Array(b.bytes)
    }

    /// Checks that the schema can be written: names fit the header and are distinct.
    static func validate(_ schema: ShardSchema, metadata: [String: String], path: String) throws {
        var seen = Set<String>()
        for f in schema.fields {
            if f.name.utf8.count > Int(UInt16.max) || !seen.insert(f.name).inserted {
                throw ShardError.schemaMismatch(path: path, detail: "field name '\(f.name)' is duplicated or too long")
            }
        }
        if schema.fields.isEmpty { throw ShardError.schemaMismatch(path: path, detail: "schema has no fields") }
    }

    /// Parses and verifies the header of a mapped file of `fileBytes` bytes.
    /// Returns the header and its length in bytes.
    static func decode(_ p: UnsafeRawPointer, fileBytes: Int, path: String) throws -> (ShardHeader, Int) {
        func bad(_ d: String) -> ShardError { .corrupt(path: path, detail: d) }
        guard fileBytes >= ShardLayout.headerFixedBytes + ShardLayout.checksumBytes else {
            throw bad(
                "file is \(fileBytes) bytes, shorter than the smallest header (\(ShardLayout.headerFixedBytes + 8) bytes); truncated or not a shard"
            )
        }
        guard memcmpEqual(p, ShardLayout.magic) else {
            throw bad("bad magic at byte 0 (expected 'DRBSHARD'); not a shard or header damaged")
        }
        let headerBytes = Int(p.le(12, UInt32.self))
        guard headerBytes >= ShardLayout.headerFixedBytes + ShardLayout.checksumBytes else {
            throw bad("header length \(headerBytes) at byte 12 is impossible")
        }
        guard headerBytes <= fileBytes else {
            throw bad(
                "truncated or damaged: file is \(fileBytes) bytes, its header alone claims \(headerBytes) bytes (byte 12)"
            )
        }
        let stored: UInt64 = p.le(headerBytes - 8)
        let actual = XXHash64.hash(UnsafeRawBufferPointer(start: p, count: headerBytes - 8))
        guard stored == actual else {
            throw bad(
                "header checksum mismatch (bytes 0..<\(headerBytes - 8)): stored \(XXHash64.hex(stored)), computed \(XXHash64.hex(actual))"
            )
        }
        // From here the bytes are the writer's; structural checks guard against writer bugs.
        let version: UInt32 = p.le(8)
        guard version == ShardLayout.formatVersion else {
            throw bad(
                "format version \(version) is not supported (this build reads version \(ShardLayout.formatVersion))")
        }
        let codec: UInt32 = p.le(16)
        guard codec == ShardLayout.codecZstd else { throw bad("unknown codec \(codec) at byte 16") }
        let fieldCount = Int(p.le(20, UInt32.self)), metaCount = Int(p.le(24, UInt32.self))
        var o = ShardLayout.headerFixedBytes
        let end = headerBytes - 8
        func take(_ n: Int) throws -> Int {
            guard n >= 0, o + n <= end else { throw bad("header field overruns the header at byte \(o)") }
            defer { o += n }
            return o
        }
        func string(_ n: Int) throws -> String {
            let at = try take(n)
            let s = String(decoding: UnsafeRawBufferPointer(start: p + at, count: n), as: UTF8.self)
            return s
        }
        var fields: [ShardField] = []
        for _ in 0..<fieldCount {
            let t = p.le(try take(1), UInt8.self)
            guard let type = ShardElementType(rawValue: t) else {
                throw bad("unknown element type \(t) at byte \(o - 1)")
            }
            let n = Int(p.le(try take(2), UInt16.self))
            fields.append(ShardField(try string(n), type))
        }
        var meta: [String: String] = [:]
        for _ in 0..<metaCount {
            let kn = Int(p.le(try take(4), UInt32.self)); let k = try string(kn)
            let vn = Int(p.le(try take(4), UInt32.self)); let v = try string(vn)
            meta[k] = v
        }
        guard o == end else { throw bad("header has \(end - o) unexplained bytes at byte \(o)") }
        return (ShardHeader(schema: ShardSchema(fields), metadata: meta), headerBytes)
    }
}

@inline(__always) func memcmpEqual(_ p: UnsafeRawPointer, _ bytes: [UInt8]) -> Bool {
    for (i, b) in bytes.enumerated() where p.load(fromByteOffset: i, as: UInt8.self) != b { return false }
    return true
}
