// `manifest_sha256`: the manifest's own digest. It covers the file's exact bytes (with its 64
// hex digits taken as zeros), not a re-encoding of the parsed content, so a changed space or
// a reordered key is caught as surely as an edited seed. Checked on every read of a manifest
// (inspect, stream, train, mask's input, verify). Python: sha256(data with the digest's hex
// replaced by 64 '0').

enum ManifestDigest {
    static let key = Array("\"manifest_sha256\"".utf8)

    static func isLowerHex(_ c: UInt8) -> Bool { (48...57).contains(c) || (97...102).contains(c) }

    /// Offset of the 64 hex digits of the `manifest_sha256` member, nil if there is none.
    /// The key must occur once (as written: sorted keys, no escapes).
    static func valueOffset(in data: [UInt8], path: String) throws -> Int? {
        var found: Int?
        var i = 0
        while i + key.count <= data.count {
            if data[i] == key[0] && data[i..<(i + key.count)].elementsEqual(key) {
                guard found == nil else {
                    throw ShardError.invalidDataset(path: path, detail: "manifest_sha256 occurs more than once")
                }
                found = i + key.count
                i += key.count
            } else {
                i += 1
            }
        }
        guard var j = found else { return nil }
        func space() { while j < data.count, [32, 9, 10, 13].contains(data[j]) { j += 1 } }
        space()
        guard j < data.count, data[j] == UInt8(ascii: ":") else { return nil }
        j += 1
        space()
        guard j + 66 <= data.count, data[j] == UInt8(ascii: "\""), data[j + 65] == UInt8(ascii: "\"") else {
            return nil
        }
        return j + 1
    }

    static func compute(_ data: [UInt8], valueAt at: Int) -> String {
        var zeroed = data
        zeroed.replaceSubrange(at..<(at + 64), with: repeatElement(UInt8(ascii: "0"), count: 64))
        return SHA256Hasher.hex(of: zeroed)
    }

    /// Throws unless `data` holds a `manifest_sha256` equal to `stated` (the parsed value)
    /// and to the digest of the bytes.
    static func check(_ data: [UInt8], stated: String?, path: String) throws {
        guard let stated, let at = try valueOffset(in: data, path: path),
            String(decoding: data[at..<(at + 64)], as: UTF8.self) == stated
        else {
            throw ShardError.invalidDataset(path: path, detail: "manifest has no valid manifest_sha256")
        }
        let actual = compute(data, valueAt: at)
        guard actual == stated else {
            throw ShardError.invalidDataset(
                path: path,
                detail:
                    "manifest_sha256 is \(stated), the file's bytes give \(actual): the manifest was edited or damaged")
        }
    }
}
