import Foundation
import Shards

/// NSP's random next segments read from an uncompressed scratch copy of the input's two
/// columns, by `pread`, instead of through the compressed shards.
///
/// Why: Google BERT draws the random document uniformly over the whole corpus, so past a
/// corpus that fits the block cache nearly every draw decompressed and checksummed a whole 1 MB
/// input block for a few dozen tokens (at 1 GB of text: over 90% of the run in zstd, more than
/// 30x slower than `--pairs none`). The copy costs one sequential pass over the input before
/// the workers start and disk space about the input's token data (2 bytes a token); a read is
/// two `pread`s from the page cache, which does not count towards our resident memory and the
/// kernel may evict. The file is unlinked as soon as it is created: nothing is left behind,
/// even after `kill -9`.
///
/// Layout: an index of `documentCount + 1` little-endian UInt64 byte offsets, then per document
/// `sentenceCount: UInt32`, `tokenCount: UInt32`, the sentence lengths (UInt32 each) and the
/// token ids at the input's width (2 or 4 bytes).
final class RandomDocumentFile: @unchecked Sendable {
    let path: String
    let documentCount: Int
    let tokenWidth: Int
    private let fd: Int32

    /// Copies every document of `store` (read in order through its shard index).
    init(store: DocumentStore, directory: String) throws {
        path = (directory as NSString).appendingPathComponent(".nsp-documents.tmp-\(getpid())")
        documentCount = store.documentCount
        tokenWidth = store.manifest.schema.fields[store.tokenColumn].type == .uint16 ? 2 : 4
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw MaskingError.io(
                path: path, detail: "cannot create NSP scratch file: \(String(cString: strerror(errno)))")
        }
        unlink(path)
        var index = ScratchWriter(fd: fd, path: path, at: 0)
        var data = ScratchWriter(fd: fd, path: path, at: 8 * (documentCount + 1))
        let width = tokenWidth
        for d in 0..<documentCount {
            // The shards are memory-mapped: pages read stay resident until unmapped, so the
            // readers are closed every few thousand documents (else the pass would map the
            // whole compressed input into our resident memory).
            if d % 4096 == 0 { store.release() }
            try index.append(UInt64(data.end))
            _ = try store.withDocument(d) { view in
                let lengths = view.sentenceLengths, tokens = view.tokens
                try data.append(UInt32(lengths.count))
                try data.append(UInt32(tokens.count))
                for j in 0..<lengths.count { try data.append(lengths[j]) }
                if tokens.width == width {
                    try data.append(bytes: tokens.base, count: tokens.count * width)
                } else {
                    for k in 0..<tokens.count { try data.append(tokens[k]) }  // uint8 ids widened to 4 bytes
                }
                return true
            }
        }
        try index.append(UInt64(data.end))
        try index.flush()
        try data.flush()
        store.release()
    }

    deinit { close(fd) }

    /// Runs `body` on document `index`, read into `scratch` (one per thread).
    func withDocument(_ index: Int, scratch: ScratchBuffer, _ body: (DocumentView) throws -> Bool) throws -> Bool {
        precondition(index >= 0 && index < documentCount, "document \(index) out of range")
        try read(16, at: 8 * index, into: scratch)
        let start = Int(scratch.base.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian)
        let end = Int(scratch.base.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian)
        try read(end - start, at: start, into: scratch)
        let p = UnsafeRawPointer(scratch.base)
        let sentences = Int(p.loadUnaligned(fromByteOffset: 0, as: UInt32.self).littleEndian)
        let tokens = Int(p.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)
        guard 8 + 4 * sentences + tokens * tokenWidth == end - start else {
            throw MaskingError.io(path: path, detail: "NSP scratch file: document \(index) has an inconsistent length")
        }
        return try body(
            DocumentView(
                tokens: ShardColumnView(base: p + 8 + 4 * sentences, count: tokens, width: tokenWidth),
                sentenceLengths: ShardColumnView(base: p + 8, count: sentences, width: 4)))
    }

    private func read(_ count: Int, at offset: Int, into scratch: ScratchBuffer) throws {
        scratch.reserve(count)
        var done = 0
        while done < count {
            let n = pread(fd, scratch.base + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw MaskingError.io(
                    path: path,
                    detail: "cannot read NSP scratch file at byte \(offset + done): "
                        + (n < 0 ? String(cString: strerror(errno)) : "unexpected end"))
            }
            done += n
        }
    }
}

/// A growable raw buffer owned by one thread.
final class ScratchBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private var capacity: Int
    init(capacity: Int = 1 << 16) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }
    func reserve(_ n: Int) {
        guard n > capacity else { return }
        base.deallocate()
        capacity = max(n, 2 * capacity)
        base = .allocate(byteCount: capacity, alignment: 16)
    }
    deinit { base.deallocate() }
}

/// Sequential writes at a file position through a 1 MB buffer.
struct ScratchWriter {
    let fd: Int32
    let path: String
    private(set) var position: Int
    private var buffer = [UInt8]()

    init(fd: Int32, path: String, at position: Int) {
        self.fd = fd; self.path = path; self.position = position
        buffer.reserveCapacity(1 << 20)
    }

    /// Bytes appended so far, including those still buffered.
    var end: Int { position + buffer.count }

    mutating func append<T: FixedWidthInteger>(_ value: T) throws {
        var v = value.littleEndian
        try withUnsafeBytes(of: &v) { try append(bytes: $0.baseAddress!, count: $0.count) }
    }

    mutating func append(bytes: UnsafeRawPointer, count: Int) throws {
        if buffer.count + count > (1 << 20) { try flush() }
        buffer.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: count))
    }

    mutating func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes {
                pwrite(fd, $0.baseAddress! + done, buffer.count - done, off_t(position + done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw MaskingError.io(
                    path: path, detail: "cannot write NSP scratch file: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        position += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
