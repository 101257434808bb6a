// What a shard holds: named, typed columns, and records of one array per column.

/// On-disk width of one column's elements.
public enum ShardElementType: UInt8, Sendable, Codable {
    case uint8 = 1, uint16 = 2, uint32 = 4, int32 = 5

    /// The narrowest unsigned type for token ids of a vocabulary of `size` entries.
    static func tokenIDs(vocabularySize size: Int) -> ShardElementType {
        size < 65_536 ? .uint16 : .uint32
    }
}

/// A named, typed column. Every record carries one variable-length array per column.
public struct ShardField: Sendable, Equatable, Codable {
    public var name: String
    public var type: ShardElementType
    public init(_ name: String, _ type: ShardElementType) { self.name = name; self.type = type }
}

public struct ShardSchema: Sendable, Equatable, Codable {
    public var fields: [ShardField]
    public init(_ fields: [ShardField]) { self.fields = fields }
    public func index(of name: String) -> Int? { fields.firstIndex { $0.name == name } }
}

/// One record: one array per schema column. Reused across reads/appends so that
/// steady-state work allocates nothing (clear with `removeAll(keepingCapacity:)`).
public struct ShardRecord: Sendable, Equatable {
    public var columns: [[UInt32]]
    public init(columnCount: Int) { columns = Array(repeating: [], count: columnCount) }
    public mutating func removeAll() {
        for i in columns.indices { columns[i].removeAll(keepingCapacity: true) }
    }
}
