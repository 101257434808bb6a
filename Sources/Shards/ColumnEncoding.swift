// The one encoder of the record layout (docs/shard-format.md): per column `u32 n`, then `n`
// elements at the column's width. `ShardWriter.append` and `EncodedRecords` both encode through
// it, so a record's bytes cannot depend on which of them encoded it.

extension ByteBuffer {
    /// Appends `values` as one column of type `type`. Returns nil, or the index of the first
    /// value too wide for `type`; then the buffer holds a partial column the caller must drop.
    @inline(__always)
    func appendColumn(_ values: UnsafeBufferPointer<UInt32>, as type: ShardElementType) -> Int? {
        let n = values.count
        reserve(4 + n * ShardLayout.width(type))
        append(UInt32(n))
        let dst = base + count
        switch type {
        case .uint8:
            var or: UInt32 = 0
            for k in 0..<n {
                let v = values[k]; or |= v;
                dst.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: k, as: UInt8.self)
            }
            if or > 0xFF { return values.firstIndex { $0 > 0xFF } }
        case .uint16:
            var or: UInt32 = 0
            for k in 0..<n {
                let v = values[k]; or |= v
                dst.storeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian, toByteOffset: 2 * k, as: UInt16.self)
            }
            if or > 0xFFFF { return values.firstIndex { $0 > 0xFFFF } }
        case .uint32, .int32:
            // int32 columns carry the two's-complement bit pattern (UInt32(bitPattern:)).
            for k in 0..<n { dst.storeBytes(of: values[k].littleEndian, toByteOffset: 4 * k, as: UInt32.self) }
        }
        count += n * ShardLayout.width(type)
        return nil
    }
}
