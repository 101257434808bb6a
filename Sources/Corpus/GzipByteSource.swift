// Streaming gzip decompression (zlib's inflate) for `.gz` inputs. A gzip file may hold
// several members back to back (`cat a.gz b.gz`, pigz, bgzip); their contents are read
// as one stream, as `gunzip` does.
import CZlib

final class GzipCodec: StreamCodec {
    // zlib keeps a pointer back to the stream and checks it, so it lives at a fixed address.
    private let stream: UnsafeMutablePointer<z_stream>
    /// Bytes of a member were fed since the last member end: the end of the file here is a truncation.
    private var midMember = false
    var formatName: String { "gzip" }
    var pieceName: String { "member" }
    var isAtStreamBoundary: Bool { !midMember }

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard czlib_inflate_init_gzip(stream) == Z_OK else {
            stream.deallocate()
            throw StreamCodecFailure(detail: "cannot create a gzip stream")
        }
    }
    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func decode(
        _ input: inout UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, inputEnded: Bool
    )
        throws -> Int
    {
        // Called with no input too: zlib may still hold output that did not fit last time.
        // Large buffers are handed over in pieces zlib's 32-bit counters can hold.
        let room = min(output.count, Int(UInt32.max))
        let offered = min(input.count, Int(UInt32.max))
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(offered)
        stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(room)
        let ret = inflate(stream, Z_NO_FLUSH)
        input = UnsafeRawBufferPointer(rebasing: input[(offered - Int(stream.pointee.avail_in))...])
        switch ret {
        case Z_STREAM_END:
            // The next member, if any, starts right after this one.
            midMember = false
            inflateReset(stream)
        case Z_OK:
            midMember = true
        case Z_BUF_ERROR:
            break  // no progress possible: neither starts nor ends a member
        default:
            throw StreamCodecFailure(detail: stream.pointee.msg.map { String(cString: $0) } ?? "error \(ret)")
        }
        return room - Int(stream.pointee.avail_out)
    }
}
