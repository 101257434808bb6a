// Input streams for the corpus jobs: a file (or stdin) read in large blocks, and the zstd codec
// (gzip, xz, bzip2 in their own files) that DecompressingByteSource drives. Nothing is ever read
// whole into memory.
import CZstd
import Foundation
import Tokenization

/// A forward-only stream of bytes.
protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; 0 means end of stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Bytes consumed from the underlying file so far (compressed bytes for .zst),
    /// for progress reporting.
    var consumedFileBytes: Int { get }
    /// The file's name for messages.
    var path: String { get }
}

/// Reads a file descriptor with `read(2)`.
final class FileByteSource: ByteSource {
    let path: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private(set) var consumedFileBytes = 0
    /// Bytes read by `peek` and not yet handed out by `read`.
    private var pending: [UInt8] = []
    /// Bytes left to read when the source is a byte range of the file (`--partition`); nil: to its end.
    private var remaining: Int?

    /// Opens `path`; `"-"` is standard input.
    init(path: String) throws {
        self.path = path == "-" ? "<stdin>" : path
        if path == "-" {
            fd = 0; ownsDescriptor = false
        } else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw TokenizationError.input(path: path, detail: "is a directory")
            }
            fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw TokenizationError.input(path: path, detail: String(cString: strerror(errno))) }
            ownsDescriptor = true
        }
    }
    deinit { if ownsDescriptor { close(fd) } }

    /// Opens bytes `range` of the plain file `path` (one part's share of it). `head` is the
    /// file's own first bytes (for the magic-number check), not the range's.
    convenience init(path: String, range: Range<Int>) throws {
        try self.init(path: path)
        if range.lowerBound > 0 && lseek(fd, off_t(range.lowerBound), SEEK_SET) < 0 {
            throw TokenizationError.input(
                path: path, detail: "cannot seek to byte \(range.lowerBound): \(String(cString: strerror(errno)))")
        }
        remaining = range.count
    }

    /// The first `count` bytes of the file, wherever the source starts (`init(path:range:)`).
    func fileHead(_ count: Int) throws -> [UInt8] {
        var head = [UInt8](repeating: 0, count: count)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, 0) }
        if n < 0 { throw TokenizationError.input(path: path, detail: String(cString: strerror(errno))) }
        return Array(head.prefix(n))
    }

    /// The first `count` bytes of the stream (fewer at its end), without consuming them:
    /// the magic-number check reads them, then `read` hands them out again. Works on
    /// pipes too, where nothing can be re-read.
    func peek(_ count: Int) throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: count)
        while pending.count < count {
            let n = try chunk.withUnsafeMutableBytes {
                try readFile(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<(count - pending.count)]))
            }
            if n == 0 { break }
            pending += chunk[0..<n]
        }
        return Array(pending.prefix(count))
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if !pending.isEmpty {
            let n = min(pending.count, buffer.count)
            pending.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            pending.removeFirst(n)
            return n
        }
        return try readFile(into: buffer)
    }

    private func readFile(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, remaining ?? Int.max)
        if count == 0 { return 0 }
        while true {
            let n = Foundation.read(fd, buffer.baseAddress, count)
            if n >= 0 {
                consumedFileBytes += n
                if let r = remaining { remaining = r - n }
                return n
            }
            if errno == EINTR { continue }
            throw TokenizationError.input(
                path: path, detail: "read failed at byte \(consumedFileBytes): \(String(cString: strerror(errno)))")
        }
    }
}

/// zstd decompression (any number of frames, skippable ones included) for `DecompressingByteSource`.
final class ZstdCodec: StreamCodec {
    private let stream: OpaquePointer
    private var midFrame = false
    var formatName: String { "zstd" }
    var pieceName: String { "frame" }
    var isAtStreamBoundary: Bool { !midFrame }
    /// zstd's recommended input block: one frame block per refill.
    static var inputBufferSize: Int { ZSTD_DStreamInSize() }

    init() throws {
        guard let s = ZSTD_createDStream() else { throw StreamCodecFailure(detail: "cannot create a zstd stream") }
        stream = s
        ZSTD_initDStream(s)
    }
    deinit { ZSTD_freeDStream(stream) }

    func decode(
        _ input: inout UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, inputEnded: Bool
    )
        throws -> Int
    {
        var out = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        let ret = ZSTD_decompressStream(stream, &out, &inBuffer)
        input = UnsafeRawBufferPointer(rebasing: input[inBuffer.pos...])
        if ZSTD_isError(ret) != 0 { throw StreamCodecFailure(detail: String(cString: ZSTD_getErrorName(ret))) }
        // 0: a frame ended here (and nothing of the next one was read).
        if inBuffer.pos > 0 || out.pos > 0 { midFrame = ret != 0 }
        return out.pos
    }
}

/// Opens `path`, decompressing by its name (`.zst`, `.gz`, `.xz`, `.bz2`), after `InputMagic` has checked
/// that its first bytes agree with the name.
func openByteSource(_ path: String) throws -> ByteSource {
    try openByteSource(InputSlice(path: path, range: nil))
}

/// Opens a slice: a whole file as `openByteSource(_:)`, or a byte range of a plain file (whose
/// own first bytes are checked, so a part that starts mid-file refuses a binary file too).
func openByteSource(_ slice: InputSlice) throws -> ByteSource {
    let path = slice.path
    let compression = InputCompression(name: path)
    if let range = slice.range {
        precondition(compression == .none, "compressed files are split only at file granularity")
        let file = try FileByteSource(path: path, range: range)
        try InputMagic.check(head: try file.fileHead(InputMagic.headLength), of: path, compression: compression)
        return file
    }
    let file = try FileByteSource(path: path)
    try InputMagic.check(head: try file.peek(InputMagic.headLength), of: path, compression: compression)
    switch compression {
    case .zstd:
        return DecompressingByteSource(
            file, codec: try codec(ZstdCodec.init, for: path), inputBufferSize: ZstdCodec.inputBufferSize)
    case .gzip: return DecompressingByteSource(file, codec: try codec(GzipCodec.init, for: path))
    case .xz: return DecompressingByteSource(file, codec: try codec(XzCodec.init, for: path))
    case .bzip2: return DecompressingByteSource(file, codec: try codec(Bzip2Codec.init, for: path))
    case .none: return file
    }
}

/// A codec, its set-up failure named after the file.
private func codec(_ make: () throws -> StreamCodec, for path: String) throws -> StreamCodec {
    do { return try make() } catch let failure as StreamCodecFailure {
        throw TokenizationError.input(path: path, detail: failure.detail)
    }
}
