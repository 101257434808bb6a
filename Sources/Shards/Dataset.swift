import Foundation

/// A dataset is a directory of shards plus `manifest.json`, written last.
public enum Dataset {
    public static let manifestName = "manifest.json"
    static let shardExtension = "drbs"

    /// `shard-00000.drbs`, `shard-00001.drbs`, …: names sort in dataset order.
    static func shardFileName(index: Int) -> String {
        let digits = String(index)
        return "shard-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + "." + shardExtension
    }

    public static func shardPath(in directory: String, index: Int) -> String {
        (directory as NSString).appendingPathComponent(shardFileName(index: index))
    }

    /// Writes `manifest.json` atomically: temporary file, fsync, rename, directory fsync.
    /// `manifest_sha256` is the SHA-256 of the file's exact bytes with its own 64 hex digits
    /// written as zeros, so any changed byte (content, layout, the digest itself) is caught.
    public static func writeManifest(_ m: DatasetManifest, to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let path = (directory as NSString).appendingPathComponent(manifestName)
        var data = [UInt8](try encoder.encode(m))
        data.append(0x0A)
        guard let at = try ManifestDigest.valueOffset(in: data, path: path) else {
            throw ShardError.invalidDataset(path: path, detail: "manifest encoding lacks manifest_sha256")
        }
        let digest = ManifestDigest.compute(data, valueAt: at)
        data.replaceSubrange(at..<(at + 64), with: Array(digest.utf8))
        try writeAtomically(Data(data), to: path)
    }

    /// Reads and checks `manifest.json` of `directory`.
    public static func readManifest(in directory: String) throws -> DatasetManifest {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ShardError.invalidDataset(path: directory, detail: "no such dataset directory")
        }
        let path = (directory as NSString).appendingPathComponent(manifestName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ShardError.invalidDataset(
                path: directory, detail: "no \(manifestName): not a dataset, or the run that writes it did not finish")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ShardError.invalidDataset(path: path, detail: "cannot read manifest: \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let m: DatasetManifest
        do { m = try decoder.decode(DatasetManifest.self, from: data) } catch {
            throw ShardError.invalidDataset(path: path, detail: "invalid manifest: \(describe(error))")
        }
        guard m.formatVersion == DatasetManifest.currentFormatVersion else {
            let old =
                m.formatVersion == 1
                ? "; version 1 manifests carry no digests: re-run the command that wrote it" : ""
            throw ShardError.invalidDataset(
                path: path,
                detail:
                    "format version \(m.formatVersion) is not supported (this build reads version \(DatasetManifest.currentFormatVersion))\(old)"
            )
        }
        try ManifestDigest.check([UInt8](data), stated: m.statedDigest, path: path)
        var seen = Set<String>()
        for (k, s) in m.shards.enumerated() {
            guard !s.file.isEmpty, !s.file.contains("/"), s.file != "..", s.file != ".", seen.insert(s.file).inserted
            else {
                throw ShardError.invalidDataset(
                    path: path, detail: "shard entry \(k) has an invalid or duplicate file name '\(s.file)'")
            }
            guard s.records >= 0, s.bytes >= 0 else {
                throw ShardError.invalidDataset(
                    path: path, detail: "shard entry \(k) ('\(s.file)') has a negative count")
            }
            guard let d = s.checksumDigest, d.utf8.count == 16, d.utf8.allSatisfy(ManifestDigest.isLowerHex) else {
                throw ShardError.invalidDataset(
                    path: path, detail: "shard entry \(k) ('\(s.file)') has no valid checksum_digest")
            }
        }
        return m
    }

    /// For resumable producers: the summary of the shard at `path` if a finished shard
    /// exists there, verifies completely (every checksum and record) and was written with
    /// exactly `schema` and `metadata` (e.g. the producing config's hash); else nil, and
    /// the caller rewrites it.
    static func reusableShard(at path: String, schema: ShardSchema, metadata: [String: String]) -> ShardSummary? {
        guard FileManager.default.fileExists(atPath: path),
            let reader = try? ShardReader(path: path, cacheBlocks: 1),
            reader.schema == schema, reader.metadata == metadata,
            (try? reader.verifyAllBlocks()) != nil
        else { return nil }
        return ShardSummary(
            file: (path as NSString).lastPathComponent, records: reader.recordCount,
            bytes: reader.fileBytes, xxh64: XXHash64.hex(reader.fileChecksum()), checksumDigest: reader.checksumDigest)
    }

    /// Removes temporary files left in `directory` by writers that were killed
    /// (`.NAME.tmp-PID`). Returns the names removed.
    @discardableResult
    static func removeTemporaries(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        for name in names where name.hasPrefix(".") && name.contains(".tmp-") {
            if unlink((directory as NSString).appendingPathComponent(name)) == 0 { removed.append(name) }
        }
        return removed.sorted()
    }

    static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
            .path
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw ShardError.io(path, "cannot create \(temp)", errno: errno) }
        var ok = false
        defer { if !ok { unlink(temp) } }
        let failure = writeAndSync(data, to: fd, path: path, file: temp)
        if close(fd) != 0, failure == nil { throw ShardError.io(path, "close of \(temp) failed", errno: errno) }
        if let failure { throw failure }
        if rename(temp, path) != 0 { throw ShardError.io(path, "rename from \(temp) failed", errno: errno) }
        ok = true
        try syncDirectory(containing: path)
    }

    /// Writes all of `data` to `fd` (through short writes and EINTR), then fsyncs it. Errors name
    /// `path` and the file written (`file`).
    static func writeAndSync(_ data: Data, to fd: Int32, path: String, file: String) -> ShardError? {
        data.withUnsafeBytes { buf -> ShardError? in
            guard var p = buf.baseAddress else {
                return fsync(fd) == 0 ? nil : ShardError.io(path, "fsync of \(file) failed", errno: errno)
            }
            var left = buf.count
            while left > 0 {
                let n = write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    return ShardError.io(path, "write of \(file) failed", errno: errno)
                }
                p += n; left -= n
            }
            return fsync(fd) == 0 ? nil : ShardError.io(path, "fsync of \(file) failed", errno: errno)
        }
    }

    /// A one-line rendering of a JSON decoding error with its coding path.
    static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func at(_ path: [CodingKey]) -> String {
            path.isEmpty
                ? "top level" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch e {
        case let .keyNotFound(key, c): return "missing key '\(key.stringValue)' at \(at(c.codingPath))"
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c):
            return "\(c.debugDescription) at \(at(c.codingPath))"
        @unknown default: return "\(e)"
        }
    }
}
