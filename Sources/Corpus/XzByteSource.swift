// Streaming xz decompression (liblzma) for `.xz` inputs, the format many web corpora ship
// in (OpenWebText's archives, Common Crawl derivatives). Concatenated streams and stream
// padding are read as one, as `xz -d` does.
import CLzma

final class XzCodec: StreamCodec {
    private var stream = lzma_stream()
    private var ended = false
    /// Nothing but the (empty) start of the file has been seen: an empty .xz is refused by the
    /// magic check before this codec exists, so "no stream yet" only happens at the start.
    var formatName: String { "xz" }
    var pieceName: String { "stream" }
    var isAtStreamBoundary: Bool { ended }

    init() throws {
        // No memory limit (UINT64_MAX): the corpus is the user's own; concatenated streams
        // are one input, as xz -d reads them.
        guard lzma_stream_decoder(&stream, UInt64.max, clzma_concatenated) == LZMA_OK else {
            throw StreamCodecFailure(detail: "cannot create an xz stream")
        }
    }
    deinit { lzma_end(&stream) }

    func decode(
        _ input: inout UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, inputEnded: Bool
    )
        throws -> Int
    {
        if ended {
            // LZMA_CONCATENATED only stops at the end of the input, so anything here is a bug in
            // the caller's bookkeeping, not data: consume nothing more.
            return 0
        }
        stream.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_in = input.count
        stream.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = output.count
        let ret = lzma_code(&stream, inputEnded ? LZMA_FINISH : LZMA_RUN)
        input = UnsafeRawBufferPointer(rebasing: input[(input.count - stream.avail_in)...])
        let produced = output.count - stream.avail_out
        switch ret {
        case LZMA_OK: break
        case LZMA_STREAM_END: ended = true
        case LZMA_BUF_ERROR:
            // With LZMA_FINISH and no input left: the file stopped inside a stream.
            if inputEnded && produced == 0 { return 0 }
        case LZMA_DATA_ERROR: throw StreamCodecFailure(detail: "corrupt data")
        case LZMA_FORMAT_ERROR: throw StreamCodecFailure(detail: "not xz data")
        case LZMA_OPTIONS_ERROR: throw StreamCodecFailure(detail: "unsupported options")
        case LZMA_MEM_ERROR: throw StreamCodecFailure(detail: "out of memory")
        default: throw StreamCodecFailure(detail: "error \(ret.rawValue)")
        }
        return produced
    }
}
