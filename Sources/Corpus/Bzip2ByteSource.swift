// Streaming bzip2 decompression (libbz2) for `.bz2` inputs (Wikipedia-style dumps). Several
// streams back to back (pbzip2, `cat a.bz2 b.bz2`) are read as one, as `bunzip2` does.
import CBzip2

final class Bzip2Codec: StreamCodec {
    // libbz2 keeps a pointer back to the stream, so it lives at a fixed address.
    private let stream: UnsafeMutablePointer<bz_stream>
    private var midStream = false
    var formatName: String { "bzip2" }
    var pieceName: String { "stream" }
    var isAtStreamBoundary: Bool { !midStream }

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: bz_stream())
        guard BZ2_bzDecompressInit(stream, 0, 0) == BZ_OK else {
            stream.deallocate()
            throw StreamCodecFailure(detail: "cannot create a bzip2 stream")
        }
    }
    deinit {
        BZ2_bzDecompressEnd(stream)
        stream.deallocate()
    }

    func decode(
        _ input: inout UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, inputEnded: Bool
    )
        throws -> Int
    {
        // Called with no input too: libbz2 may still hold output that did not fit last time.
        let room = min(output.count, Int(UInt32.max))
        let offered = min(input.count, Int(UInt32.max))
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: CChar.self))
        stream.pointee.avail_in = UInt32(offered)
        stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: CChar.self)
        stream.pointee.avail_out = UInt32(room)
        let ret = BZ2_bzDecompress(stream)
        let consumed = offered - Int(stream.pointee.avail_in)
        input = UnsafeRawBufferPointer(rebasing: input[consumed...])
        let produced = room - Int(stream.pointee.avail_out)
        switch ret {
        case BZ_STREAM_END:
            // The next stream, if any, starts right after this one: a fresh decoder reads it.
            midStream = false
            BZ2_bzDecompressEnd(stream)
            stream.pointee = bz_stream()
            guard BZ2_bzDecompressInit(stream, 0, 0) == BZ_OK else {
                throw StreamCodecFailure(detail: "cannot create a bzip2 stream")
            }
        case BZ_OK:
            if consumed > 0 || produced > 0 { midStream = true }
        case BZ_DATA_ERROR_MAGIC: throw StreamCodecFailure(detail: "not bzip2 data")
        case BZ_DATA_ERROR: throw StreamCodecFailure(detail: "corrupt data")
        case BZ_MEM_ERROR: throw StreamCodecFailure(detail: "out of memory")
        default: throw StreamCodecFailure(detail: "error \(ret)")
        }
        return produced
    }
}
