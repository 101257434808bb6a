/// Records already encoded in a shard's record layout (docs/shard-format.md: per column,
/// `u32 n` then `n` elements at the column's width), for `ShardWriter.append(_:)`.
///
/// Why it exists: encoding (narrowing to the column widths, range checks) is per element, and a
/// producer with several threads (`prep mask`) can do it on its workers, in parallel, leaving the
/// writer, which must take records in order on one thread, only a byte copy per block.
/// Reused from batch to batch (`removeAll()` keeps the storage).
public final class EncodedRecords: @unchecked Sendable {
    public let schema: ShardSchema
    /// Labels errors (e.g. the dataset being written).
    public let path: String
    let types: [ShardElementType]
    let bytes: ByteBuffer
    /// `ends[i]`: byte offset just past record i.
    private(set) var ends: [Int] = []
    private var column = 0

    public init(schema: ShardSchema, path: String, capacity: Int = 1 << 16) {
        self.schema = schema
        self.path = path
        types = schema.fields.map(\.type)
        bytes = ByteBuffer(capacity: capacity)
    }

    /// Complete records held.
    public var count: Int { ends.count }
    /// Bytes of the complete records.
    public var byteCount: Int { ends.last ?? 0 }

    public func removeAll() {
        bytes.count = 0
        ends.removeAll(keepingCapacity: true)
        column = 0
    }

    /// Appends the next column of the record being built; the record is complete after the
    /// schema's last column. A value too wide for its column throws and drops the partial record.
    public func append(column values: UnsafeBufferPointer<UInt32>) throws {
        let type = types[column]
        let w = ShardLayout.width(type)
        bytes.reserve(4 + values.count * w)
        bytes.append(UInt32(values.count))
        let dst = bytes.base + bytes.count
        let n = values.count
        var or: UInt32 = 0
        switch type {
        case .uint8:
            for k in 0..<n { let v = values[k]; or |= v; dst.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: k, as: UInt8.self) }
            or &= ~0xFF
        case .uint16:
            for k in 0..<n {
                let v = values[k]; or |= v
                dst.storeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian, toByteOffset: 2 * k, as: UInt16.self)
            }
            or &= ~0xFFFF
        case .uint32, .int32:
            // int32 columns carry the two's-complement bit pattern (UInt32(bitPattern:)).
            for k in 0..<n { dst.storeBytes(of: values[k].littleEndian, toByteOffset: 4 * k, as: UInt32.self) }
        }
        if or != 0 {
            let bad = values.firstIndex { $0 & ~(type == .uint8 ? 0xFF : 0xFFFF) != 0 } ?? 0
            let field = schema.fields[column]
            bytes.count = ends.last ?? 0
            column = 0
            throw ShardError.schemaMismatch(path: path, detail: "record \(ends.count), column '\(field.name)' element \(bad): value \(values[bad]) does not fit \(field.type)")
        }
        bytes.count += n * w
        column += 1
        if column == types.count {
            column = 0
            ends.append(bytes.count)
        }
    }

    /// Whether a record is half built (some columns appended, not all).
    var hasOpenRecord: Bool { column != 0 }
}
