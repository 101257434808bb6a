import CZlib
import Foundation

/// `checkpoint.json`, the last file written into a checkpoint directory: the byte size and
/// CRC-32 of every other file. A checkpoint without it (cut short, or damaged) is not a
/// checkpoint; one whose files differ from it is damaged and never loaded.
///
/// CRC-32 (zlib's, the polynomial of gzip and zip) rather than SHA-256: the threat is damage
/// (a flipped bit, a truncated copy), not forgery, and zlib's table-driven C code hashes a
/// `base` checkpoint's 1.3 GB in about a second, in debug builds too, where the project's
/// Swift SHA-256 (in Shards, which Training does not depend on) would take minutes.
/// It detects every single-bit and every burst error up to 32 bits.
struct CheckpointManifest: Codable, Equatable, Sendable {
    struct Entry: Codable, Equatable, Sendable {
        var bytes: Int
        /// Lowercase hex, 8 digits (as `crc32` tools and Python's `zlib.crc32` print it).
        var crc32: String
    }

    var format = 1
    var step: Int
    var files: [String: Entry]

    static let fileName = "checkpoint.json"
    /// What a checkpoint must hold for a resume (and, but the optimizer, for eval and export).
    static let requiredFiles = ["model.safetensors", "optimizer.safetensors", "trainer_state.json", "config.json"]

    static func entry(for data: Data) -> Entry {
        Entry(bytes: data.count, crc32: CRC32.hex(CRC32.checksum(data)))
    }

    /// The manifest of checkpoint directory `path`, read and checked for shape (not the files).
    static func read(in path: String) throws -> CheckpointManifest {
        let file = (path as NSString).appendingPathComponent(fileName)
        guard let d = FileManager.default.contents(atPath: file) else {
            throw TrainingError.badCheckpoint(
                path, "no \(fileName): the checkpoint is incomplete or damaged (its files are not verified)")
        }
        let m: CheckpointManifest
        do { m = try JSONDecoder().decode(CheckpointManifest.self, from: d) } catch {
            throw TrainingError.badCheckpoint(file, "not a checkpoint manifest (\(error))")
        }
        guard m.format == 1 else { throw TrainingError.badCheckpoint(file, "format \(m.format) not supported (1)") }
        for name in requiredFiles where m.files[name] == nil {
            throw TrainingError.badCheckpoint(file, "lists no \(name)")
        }
        for name in m.files.keys where name.contains("/") || name == ".." || name == "." || name.isEmpty {
            throw TrainingError.badCheckpoint(file, "names \"\(name)\", not a file of the checkpoint")
        }
        return m
    }

    /// Checks that `data`, read from `name` in checkpoint `path`, is what the manifest recorded.
    func check(_ data: Data, name: String, in path: String) throws {
        guard let e = files[name] else { throw TrainingError.badCheckpoint(path, "\(Self.fileName) lists no \(name)") }
        let file = (path as NSString).appendingPathComponent(name)
        guard data.count == e.bytes else {
            throw TrainingError.badCheckpoint(
                file, "\(data.count) bytes, \(Self.fileName) says \(e.bytes) (truncated or replaced)")
        }
        let crc = CRC32.hex(CRC32.checksum(data))
        guard crc == e.crc32 else {
            throw TrainingError.badCheckpoint(
                file, "CRC-32 \(crc) differs from \(Self.fileName)'s \(e.crc32) (damaged)")
        }
    }

    /// Reads every listed file of checkpoint `path` in bounded chunks and checks size and CRC-32.
    func verifyFiles(in path: String) throws {
        for name in files.keys.sorted() {
            let e = files[name]!
            let file = (path as NSString).appendingPathComponent(name)
            let (bytes, crc) = try CRC32.file(file)
            guard bytes == e.bytes else {
                throw TrainingError.badCheckpoint(
                    file, "\(bytes) bytes, \(Self.fileName) says \(e.bytes) (truncated or replaced)")
            }
            guard CRC32.hex(crc) == e.crc32 else {
                throw TrainingError.badCheckpoint(
                    file, "CRC-32 \(CRC32.hex(crc)) differs from \(Self.fileName)'s \(e.crc32) (damaged)")
            }
        }
    }
}

/// zlib's CRC-32 over memory and files.
enum CRC32 {
    static func checksum(_ data: Data) -> UInt32 {
        data.withUnsafeBytes { update(0, $0) }
    }

    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = UInt(crc)
        var rest = bytes
        // zlib's length is a 32-bit `uInt`: feed it in chunks.
        while !rest.isEmpty {
            let n = min(rest.count, 1 << 30)
            c = UInt(CZlib.crc32(uLong(c), rest.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(n)))
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
        return UInt32(truncatingIfNeeded: c)
    }

    static func hex(_ crc: UInt32) -> String {
        let s = String(crc, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }

    /// Size and CRC-32 of a file, read 4 MiB at a time (memory stays bounded for any model).
    static func file(_ path: String) throws -> (bytes: Int, crc: UInt32) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw TrainingError.badCheckpoint(path, "cannot read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var crc: UInt32 = 0, total = 0
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw TrainingError.io(path, "read failed at byte \(total): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            crc = update(crc, UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            total += n
        }
        return (total, crc)
    }
}
