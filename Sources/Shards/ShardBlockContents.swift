/// Records of one block, decompressed into memory of their own: for readers that hold many
/// blocks at once and visit their records in any order (the loader's shuffle window), which
/// a reader's small cache of blocks cannot serve. The records were checked against the
/// schema when they were read (`ShardReader.contents(ofRecords:)`), so reading their
/// columns cannot fail; the memory goes back to the readers' spare buffers when this goes.
public final class ShardBlockContents: @unchecked Sendable {
    /// The shard records held.
    public let records: Range<Int>
    private let buffer: ByteBuffer
    private let widths: [Int]
    /// Byte offset of each held record in `buffer`.
    private let starts: [Int]

    init(records: Range<Int>, buffer: ByteBuffer, widths: [Int], starts: [Int]) {
        self.records = records; self.buffer = buffer; self.widths = widths; self.starts = starts
    }

    deinit { ShardReader.spareBuffers.give([buffer]) }

    /// Column `f` of shard record `index` (one of `records`), in place.
    @inline(__always) public func column(_ f: Int, ofRecord index: Int) -> ShardColumnView {
        let p = UnsafeRawPointer(buffer.base)
        var o = starts[index - records.lowerBound]
        for g in 0..<f { o += 4 + Int(p.le(o, UInt32.self)) * widths[g] }
        return ShardColumnView(base: p + o + 4, count: Int(p.le(o, UInt32.self)), width: widths[f])
    }
}
