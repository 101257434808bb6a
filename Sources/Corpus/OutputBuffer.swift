import Foundation
import Tokenization

/// Buffered writes to a file descriptor (stdout for `prep encode`), or into memory.
public final class OutputBuffer {
    private var buffer: [UInt8] = []
    private let fd: Int32?
    private let name: String
    /// Everything written, when writing to memory (`fd == nil`).
    private(set) var captured: [UInt8] = []

    public init(fd: Int32?, name: String = "<stdout>") {
        self.fd = fd; self.name = name
        buffer.reserveCapacity(1 << 16)
    }
    static func memory() -> OutputBuffer { OutputBuffer(fd: nil, name: "<memory>") }

    @inline(__always) func append(_ byte: UInt8) { buffer.append(byte) }
    @inline(__always) func append(_ bytes: UnsafeBufferPointer<UInt8>) { buffer.append(contentsOf: bytes) }
    func append(_ s: String) { buffer.append(contentsOf: s.utf8) }

    /// Decimal digits of a non-negative number.
    @inline(__always) func append(decimal v: Int) {
        if v < 10 { buffer.append(UInt8(48 + v)); return }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 { d[n] = UInt8(48 + x % 10); x /= 10; n += 1 }
            while n > 0 { n -= 1; buffer.append(d[n]) }
        }
    }

    func flushIfNeeded() throws { if buffer.count >= 1 << 16 { try flush() } }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        guard let fd else { captured.append(contentsOf: buffer); buffer.removeAll(keepingCapacity: true); return }
        try buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TokenizationError.output(path: name, detail: String(cString: strerror(errno)))
                }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
