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
    let path: String
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
    var count: Int { ends.count }
    /// Bytes of the complete records.
    var byteCount: Int { ends.last ?? 0 }

    public func removeAll() {
        bytes.count = 0
        ends.removeAll(keepingCapacity: true)
        column = 0
    }

    /// Appends the next column of the record being built; the record is complete after the
    /// schema's last column. A value too wide for its column throws and drops the partial record.
    public func append(column values: UnsafeBufferPointer<UInt32>) throws {
        if let bad = bytes.appendColumn(values, as: types[column]) {
            let field = schema.fields[column]
            bytes.count = ends.last ?? 0
            column = 0
            throw ShardError.valueDoesNotFit(values[bad], path: path, record: ends.count, field: field, element: bad)
        }
        column += 1
        if column == types.count {
            column = 0
            ends.append(bytes.count)
        }
    }

    /// Whether a record is half built (some columns appended, not all).
    var hasOpenRecord: Bool { column != 0 }
}
