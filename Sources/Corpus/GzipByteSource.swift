// Streaming gzip decompression (zlib's inflate) for `.gz` inputs. A gzip file may hold
// several members back to back (`cat a.gz b.gz`, pigz, bgzip); their contents are read
// as one stream, as `gunzip` does.
import CZlib
import Tokenization

final class GzipByteSource: ByteSource {
    private let inner: ByteSource
    // zlib keeps a pointer back to the stream and checks it, so it lives at a fixed address.
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var innerDone = false
    /// Bytes of a member were fed since the last member end: the end of the file here is a truncation.
    private var midMember = false
    var path: String { inner.path }
    var consumedFileBytes: Int { inner.consumedFileBytes }

    init(_ inner: ByteSource, inputBufferSize: Int = 1 << 18) throws {
        self.inner = inner
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: max(inputBufferSize, 16), alignment: 8)
        guard czlib_inflate_init_gzip(stream) == Z_OK else {
            stream.deallocate(); input.deallocate()
            throw TokenizationError.input(path: inner.path, detail: "cannot create a gzip stream")
        }
    }
    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            if stream.pointee.avail_in == 0 && !innerDone {
                let n = try inner.read(into: input)
                stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = uInt(n)
                if n == 0 { innerDone = true }
            }
            if stream.pointee.avail_in == 0 && innerDone {
                if midMember {
                    throw TokenizationError.input(
                        path: path, detail: "truncated gzip stream at byte \(consumedFileBytes)")
                }
                return 0
            }
            // Large output buffers are filled in pieces zlib's 32-bit counters can hold.
            let room = min(buffer.count, Int(UInt32.max))
            stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(room)
            let ret = inflate(stream, Z_NO_FLUSH)
            let produced = room - Int(stream.pointee.avail_out)
            switch ret {
            case Z_STREAM_END:
                // The next member, if any, starts right after this one.
                midMember = false
                inflateReset(stream)
            case Z_OK, Z_BUF_ERROR:
                midMember = true
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(ret)"
                throw TokenizationError.input(
                    path: path, detail: "gzip: \(message) near compressed byte \(consumedFileBytes)")
            }
            if produced > 0 { return produced }
        }
    }
}
