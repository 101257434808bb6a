// One read loop for every streaming decompressor (zstd, gzip, xz, bzip2): refill the
// compressed buffer from the file, let the codec turn it into output, and at the end of the
// file ask the codec whether it stopped at a stream boundary, so a truncated file is an error
// naming the byte instead of a silently short corpus. Errors name the compressed offset where
// the broken frame (member, stream) starts, not how far the file has been read ahead.
import Tokenization

/// A streaming decompressor: consumes compressed bytes from `input`, writes into `output`.
protocol StreamCodec: AnyObject {
    /// The format's name for messages ("zstd", "gzip", "xz", "bzip2").
    var formatName: String { get }
    /// What one independently decodable piece is called ("frame", "member", "stream").
    var pieceName: String { get }
    /// Decodes as much as fits; advances `input` past what was consumed and returns the
    /// number of bytes written. `inputEnded`: no compressed bytes follow `input`.
    /// Throws `StreamCodecFailure` on corrupt data.
    func decode(
        _ input: inout UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, inputEnded: Bool
    )
        throws -> Int
    /// Whether the data so far ended on a stream (member) boundary.
    var isAtStreamBoundary: Bool { get }
}

struct StreamCodecFailure: Error {
    var detail: String
}

final class DecompressingByteSource: ByteSource {
    private let inner: ByteSource
    private let codec: StreamCodec
    private let buffer: UnsafeMutableRawBufferPointer
    private var input = UnsafeRawBufferPointer(start: nil, count: 0)
    private var innerDone = false
    /// Compressed offset where the piece being decoded starts.
    private var pieceStart = 0
    var path: String { inner.path }
    var consumedFileBytes: Int { inner.consumedFileBytes }

    init(_ inner: ByteSource, codec: StreamCodec, inputBufferSize: Int = 1 << 18) {
        self.inner = inner
        self.codec = codec
        buffer = .allocate(byteCount: max(inputBufferSize, 16), alignment: 8)
    }
    deinit { buffer.deallocate() }

    func read(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard output.count > 0 else { return 0 }
        while true {
            if input.isEmpty && !innerDone {
                let n = try inner.read(into: buffer)
                input = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                if n == 0 { innerDone = true }
            }
            let before = input.count
            if codec.isAtStreamBoundary { pieceStart = consumedFileBytes - input.count }
            let produced: Int
            do {
                produced = try codec.decode(&input, into: output, inputEnded: innerDone)
            } catch let failure as StreamCodecFailure {
                throw TokenizationError.input(
                    path: path,
                    detail:
                        "\(codec.formatName): \(failure.detail) in the \(codec.pieceName) at compressed byte \(pieceStart)")
            }
            if produced > 0 { return produced }
            if input.isEmpty && innerDone {
                guard codec.isAtStreamBoundary else {
                    throw TokenizationError.input(
                        path: path,
                        detail:
                            "truncated \(codec.formatName) stream: the \(codec.pieceName) at byte \(pieceStart) is cut off at byte \(consumedFileBytes)"
                    )
                }
                return 0
            }
            // No output and no input consumed with input left: the codec is stuck, which only
            // corrupt data can cause; refuse rather than spin.
            if input.count == before && !input.isEmpty {
                throw TokenizationError.input(
                    path: path,
                    detail: "\(codec.formatName): cannot decode the \(codec.pieceName) at compressed byte \(pieceStart)")
            }
        }
    }
}
