import Foundation

/// Reader and writer for the safetensors format (huggingface/safetensors):
/// 8-byte little-endian header length N, N bytes of JSON
/// `{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}`,
/// then the raw little-endian tensor bytes (offsets relative to the end of the header).
// `package`: the fuzz target (Sources/fuzz) parses checkpoints through it.
package enum SafeTensors {
    package enum DType: String, Sendable { case f32 = "F32", i32 = "I32", i64 = "I64" }

    package struct Entry: Sendable {
        package var dtype: DType
        var shape: [Int]
        var range: Range<Int>
    }

    /// A parsed file held in memory.
    package struct File: Sendable {
        let path: String
        package let entries: [String: Entry]
        let metadata: [String: String]
        let data: Data
        let base: Int

        package init(path: String) throws {
            self.path = path
            guard let d = FileManager.default.contents(atPath: path) else {
                throw TrainingError.badSafetensors(path, "cannot read the file")
            }
            data = d
            guard d.count >= 8 else {
                throw TrainingError.badSafetensors(path, "shorter than the 8-byte header length")
            }
            var n: UInt64 = 0
            for i in 0..<8 { n |= UInt64(d[d.startIndex + i]) << (8 * UInt64(i)) }
            guard n <= UInt64(d.count - 8) else {
                throw TrainingError.badSafetensors(path, "header length \(n) exceeds the file size \(d.count)")
            }
            base = 8 + Int(n)
            let headerData = d.subdata(in: (d.startIndex + 8)..<(d.startIndex + base))
            guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
                throw TrainingError.badSafetensors(path, "header at byte 8 is not a JSON object")
            }
            var entries: [String: Entry] = [:]
            var meta: [String: String] = [:]
            for (name, value) in json {
                if name == "__metadata__" {
                    meta = (value as? [String: String]) ?? [:]
                    continue
                }
                guard let o = value as? [String: Any], let ds = o["dtype"] as? String,
                    let shape = o["shape"] as? [Int], let off = o["data_offsets"] as? [Int], off.count == 2
                else {
                    throw TrainingError.badSafetensors(path, "tensor \(name): malformed header entry")
                }
                guard let dt = DType(rawValue: ds) else {
                    throw TrainingError.badSafetensors(
                        path, "tensor \(name): dtype \(ds) not supported (F32, I32, I64)")
                }
                let elements = shape.reduce(1, *)
                guard off[0] >= 0, off[1] - off[0] == elements * (dt == .i64 ? 8 : 4), base + off[1] <= d.count else {
                    throw TrainingError.badSafetensors(
                        path, "tensor \(name): data offsets \(off) do not match shape \(shape) or file size")
                }
                entries[name] = Entry(dtype: dt, shape: shape, range: off[0]..<off[1])
            }
            self.entries = entries
            metadata = meta
        }

        package func floats(_ name: String) throws -> [Float] {
            guard let e = entries[name] else { throw TrainingError.badSafetensors(path, "missing tensor \(name)") }
            guard e.dtype == .f32 else {
                throw TrainingError.badSafetensors(path, "tensor \(name) is \(e.dtype.rawValue), expected F32")
            }
            return data.withUnsafeBytes { raw in
                let p = raw.baseAddress! + base + e.range.lowerBound
                return (0..<(e.range.count / 4)).map {
                    Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                }
            }
        }

        /// Copies an F32 tensor into `dst`, checking the element count.
        func read(_ name: String, into dst: UnsafeMutableBufferPointer<Float>) throws {
            guard let e = entries[name] else { throw TrainingError.badSafetensors(path, "missing tensor \(name)") }
            guard e.dtype == .f32, e.range.count == dst.count * 4 else {
                throw TrainingError.badSafetensors(
                    path, "tensor \(name): \(e.dtype.rawValue) \(e.shape) does not fit \(dst.count) floats")
            }
            data.withUnsafeBytes { raw in
                let p = raw.baseAddress! + base + e.range.lowerBound
                for i in 0..<dst.count {
                    dst[i] = Float(
                        bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
            }
        }

        package func ints(_ name: String) throws -> [Int32] {
            guard let e = entries[name] else { throw TrainingError.badSafetensors(path, "missing tensor \(name)") }
            return data.withUnsafeBytes { raw in
                let p = raw.baseAddress! + base + e.range.lowerBound
                switch e.dtype {
                case .i32, .f32:
                    return (0..<(e.range.count / 4)).map {
                        Int32(littleEndian: p.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))
                    }
                case .i64:
                    return (0..<(e.range.count / 8)).map {
                        Int32(
                            truncatingIfNeeded: Int64(
                                littleEndian: p.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)))
                    }
                }
            }
        }
    }

    /// One tensor to write: F32 data from a buffer.
    struct Tensor {
        var name: String
        var shape: [Int]
        var data: UnsafeBufferPointer<Float>
        init(name: String, shape: [Int], data: UnsafeBufferPointer<Float>) {
            self.name = name; self.shape = shape; self.data = data
        }
    }

    /// Serialises tensors (F32, in the given order) and metadata to bytes.
    static func encode(_ tensors: [Tensor], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for t in tensors {
            precondition(t.shape.reduce(1, *) == t.data.count, "shape of \(t.name)")
            header[t.name] =
                ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.data.count * 4]] as [String: Any]
            offset += t.data.count * 4
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned (allowed by the spec).
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(json)
        for t in tensors {
            // Floats are little-endian on every platform we build for (x86-64, arm64).
            out.append(UnsafeBufferPointer(start: t.data.baseAddress, count: t.data.count))
        }
        return out
    }
}

/// Atomic file replacement: write a temporary sibling, fsync, rename, fsync the directory.
/// The temporary is hidden (`.NAME.tmp-PID`, the shards' convention), so a kill mid-write
/// leaves nothing that looks like a finished file or a checkpoint.
public enum AtomicFile {
    static func temporaryName(for path: String) -> String {
        // Split by hand, as `syncDirectory`: Foundation's path helpers trap on one-character
        // paths such as `g` (swift-corelibs-foundation, Swift 6.3).
        let hidden = { (name: Substring) in ".\(name).tmp-\(getpid())" }
        guard let slash = path.lastIndex(of: "/") else { return hidden(Substring(path)) }
        return String(path[...slash]) + hidden(path[path.index(after: slash)...])
    }

    public static func write(_ data: Data, to path: String) throws {
        let tmp = temporaryName(for: path)
        guard FileManager.default.createFile(atPath: tmp, contents: nil) else {
            throw TrainingError.io(tmp, "cannot create file")
        }
        let fd = open(tmp, O_WRONLY | O_TRUNC)
        guard fd >= 0 else { throw TrainingError.io(tmp, "cannot open for writing: errno \(errno)") }
        var ok = true
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let w = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if w <= 0 { ok = false; break }
                done += w
            }
        }
        if ok { ok = fsync(fd) == 0 }
        close(fd)
        guard ok else {
            unlink(tmp)
            throw TrainingError.io(path, "write failed (disk full?): errno \(errno)")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw TrainingError.io(path, "rename failed: errno \(errno)")
        }
        syncDirectory(of: path)
    }

    static func syncDirectory(of path: String) {
        // The parent by hand: Foundation's `deletingLastPathComponent` traps on a one-character
        // path such as `--output E` (swift-corelibs-foundation, Swift 6.3).
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        let dir = trimmed.lastIndex(of: "/").map { String(trimmed[..<$0]) } ?? ""
        let fd = open(dir.isEmpty ? (trimmed.hasPrefix("/") ? "/" : ".") : dir, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
