/// One record's columns where they lie in a decompressed block, read without copying.
/// Valid only inside `ShardReader.withRecord`: the block may be evicted and its buffer reused
/// as soon as that call returns.
///
/// For callers that need a small part of a large record (NSP's random next segment takes a
/// few sentences of a whole document): decoding only that part spares widening every element.
public struct ShardRecordView {
    /// Column f's elements start at `starts[f]`; `counts[f]` elements of `types[f]`.
    let base: UnsafeRawPointer
    let types: [ShardElementType]
    let starts: (Int, Int, Int, Int)
    let counts: (Int, Int, Int, Int)

    /// A view supports records of up to four columns (both dataset kinds have at most five;
    /// document datasets, the only kind read this way, have two).
    static let maxColumns = 4

    /// Column `f` of the record.
    @inline(__always) public func column(_ f: Int) -> ShardColumnView {
        let s: Int, n: Int
        switch f {
        case 0: s = starts.0; n = counts.0
        case 1: s = starts.1; n = counts.1
        case 2: s = starts.2; n = counts.2
        default: s = starts.3; n = counts.3
        }
        return ShardColumnView(base: base + s, count: n, width: ShardLayout.width(types[f]))
    }
}

/// One column of a `ShardRecordView`: `count` little-endian elements, widened to UInt32 on read.
public struct ShardColumnView {
    public let base: UnsafeRawPointer
    public let count: Int
    /// Bytes per element: 1, 2 or 4.
    public let width: Int

    public init(base: UnsafeRawPointer, count: Int, width: Int) {
        precondition(width == 1 || width == 2 || width == 4, "element width must be 1, 2 or 4")
        self.base = base; self.count = count; self.width = width
    }

    @inlinable @inline(__always) public subscript(k: Int) -> UInt32 {
        switch width {
        case 1: return UInt32(base.load(fromByteOffset: k, as: UInt8.self))
        case 2: return UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))
        default: return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self))
        }
    }

    /// Elements `range` widened into `out` (replacing its contents, keeping its capacity).
    @inlinable public func copy(_ range: Range<Int>, into out: inout [UInt32]) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "column range out of bounds")
        out.removeAll(keepingCapacity: true)
        let n = range.count
        out.append(contentsOf: repeatElement(0, count: n))
        let lo = range.lowerBound
        out.withUnsafeMutableBufferPointer { dst in
            switch width {
            case 1: for k in 0..<n { dst[k] = UInt32(base.load(fromByteOffset: lo + k, as: UInt8.self)) }
            case 2:
                for k in 0..<n {
                    dst[k] = UInt32(
                        UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * (lo + k), as: UInt16.self)))
                }
            default:
                for k in 0..<n {
                    dst[k] = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * (lo + k), as: UInt32.self))
                }
            }
        }
    }
}
