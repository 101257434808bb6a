// Splits a byte stream into `\n`-terminated lines without copying them out: a line is
// handed out as a view into the reader's buffer, valid until the next call. A `\r`
// before the `\n` stays part of the line (the reference sees it as whitespace).

import Foundation
import Tokenization

/// Reads lines from a `ByteSource`.
final class LineReader {
    let source: ByteSource
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0  // first unconsumed byte
    private var end = 0  // end of valid data
    private var eof = false
    /// Offset of the last returned line in the (decompressed) stream, and its number (1-based).
    private(set) var lineOffset = 0
    private(set) var lineNumber = 0
    private var consumed = 0  // stream offset of buffer[0]
    /// Lines longer than this are returned in pieces of at most this many bytes
    /// (cut at the last space or tab when there is one), so memory stays bounded.
    let maxLineBytes: Int
    /// Number of lines that had to be cut.
    private(set) var cutLines = 0
    private var continuing = false

    /// False when the stream starts inside a file (`startOffset` > 0, a `--partition` part):
    /// `lineNumber` then counts from the part's start, and messages give byte offsets instead.
    let lineNumbersKnown: Bool

    /// `startOffset`: where the stream starts in its file, so that `lineOffset` is the file's.
    init(_ source: ByteSource, startOffset: Int = 0, bufferSize: Int = 1 << 20, maxLineBytes: Int = 64 << 20) {
        self.source = source
        consumed = startOffset
        lineNumbersKnown = startOffset == 0
        self.maxLineBytes = max(maxLineBytes, 16)
        buffer = .allocate(byteCount: max(bufferSize, 16), alignment: 8)
    }
    deinit { buffer.deallocate() }

    /// The next line without its `\n`, or `nil` at the end of input. The final line
    /// counts even without a `\n`; an empty stream has no lines.
    /// `isContinuation` is true when this piece continues a line cut at `maxLineBytes`.
    func nextLine() throws -> (line: UnsafeBufferPointer<UInt8>, isContinuation: Bool)? {
        var scanFrom = start
        while true {
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if scanFrom < end, let nl = memchr(base + scanFrom, 10, end - scanFrom) {
                let nlIndex = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                return emit(base, upTo: nlIndex, skip: 1)
            }
            scanFrom = end
            if end - start >= maxLineBytes {
                // Cut a giant line at whitespace so a word is not split when avoidable.
                var cut = start + maxLineBytes
                var k = cut - 1
                while k > start + maxLineBytes / 2, base[k] != 32, base[k] != 9 { k -= 1 }
                if base[k] == 32 || base[k] == 9 {
                    cut = k + 1
                } else {
                    while cut > start + 1, base[cut] & 0xC0 == 0x80 { cut -= 1 }  // UTF-8 boundary
                }
                cutLines += continuing ? 0 : 1
                let r = emit(base, upTo: cut, skip: 0)
                continuing = true
                return (r.line, r.isContinuation)
            }
            if eof {
                if start < end { return emit(base, upTo: end, skip: 0) }
                return nil
            }
            // Compact, grow if needed, refill.
            if start > 0 {
                if end > start { memmove(buffer.baseAddress!, buffer.baseAddress! + start, end - start) }
                consumed += start; end -= start; scanFrom -= start; start = 0
            }
            if end == buffer.count {
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 8)
                bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<end]))
                buffer.deallocate()
                buffer = bigger
            }
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if n == 0 { eof = true } else { end += n }
        }
    }

    /// Where the last returned line is, for messages: "line N", or "byte N" of the file when
    /// line numbers are not known.
    var lineDescription: String {
        lineNumbersKnown
            ? "line \(lineNumber)" : "byte \(lineOffset) (line number unknown: this --partition part starts mid-file)"
    }

    private func emit(
        _ base: UnsafeMutablePointer<UInt8>, upTo lineEnd: Int, skip: Int
    ) -> (line: UnsafeBufferPointer<UInt8>, isContinuation: Bool) {
        let wasContinuing = continuing
        if !wasContinuing { lineNumber += 1 }
        lineOffset = consumed + start
        let line = UnsafeBufferPointer(start: base + start, count: lineEnd - start)
        start = lineEnd + skip
        continuing = false
        return (line, wasContinuing)
    }
}
