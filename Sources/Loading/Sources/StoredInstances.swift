import Batches
import Shards

/// A read unit of an instance dataset, kept as its block decompressed: columns are widened
/// from their stored width as each row is written into its batch.
final class StoredInstances: SampleBlock {
    /// Column indices; `segments` (layout 1, one per token) or `segmentBStart` (layout 2, one
    /// per instance) give the token types, see `InstanceSchema`.
    struct Columns {
        var ids: Int
        var segments: Int?
        var segmentBStart: Int?
        var positions: Int?
        var labels: Int?
        var pair: Int?

        init(_ schema: ShardSchema) throws {
            guard let ids = schema.index(of: InstanceSchema.Column.inputIDs) else {
                throw LoaderError.badDataset(path: "", detail: "instance schema has no input_ids column")
            }
            self.ids = ids
            segments = schema.index(of: InstanceSchema.Column.segmentIDs)
            segmentBStart = schema.index(of: InstanceSchema.Column.segmentBStart)
            positions = schema.index(of: InstanceSchema.Column.maskedPositions)
            labels = schema.index(of: InstanceSchema.Column.maskedLabels)
            pair = schema.index(of: InstanceSchema.Column.nextSentenceLabel)
        }
    }

    let contents: ShardBlockContents
    let columns: Columns
    let tokenCount: Int

    init(_ contents: ShardBlockContents, columns: Columns) {
        self.contents = contents
        self.columns = columns
        tokenCount = contents.records.reduce(0) { $0 + contents.column(columns.ids, ofRecord: $1).count }
    }

    var count: Int { contents.records.count }

    @inline(__always) private func column(_ f: Int, _ i: Int) -> ShardColumnView {
        contents.column(f, ofRecord: contents.records.lowerBound + i)
    }

    func length(ofRow i: Int) -> Int { column(columns.ids, i).count }

    /// A record whose position and label columns disagree in length is read to the shorter.
    func maskCount(ofRow i: Int) -> Int {
        guard let p = columns.positions, let l = columns.labels else { return 0 }
        return min(column(p, i).count, column(l, i).count)
    }

    func nextSentenceLabel(ofRow i: Int) -> UInt32 {
        guard let f = columns.pair else { return Batch.noLabel }
        let c = column(f, i)
        return c.count > 0 ? c[0] : Batch.noLabel
    }

    func write(row i: Int, into row: BatchRow) {
        let ids = column(columns.ids, i)
        ids.widen(count: ids.count, into: row.tokens)
        if let s = columns.segmentBStart {
            let c = column(s, i)
            row.markSegmentB(from: c.count > 0 ? Int(c[0]) : Int.max, count: ids.count)
        } else if let s = columns.segments {
            let c = column(s, i)
            c.widen(count: min(c.count, ids.count), into: row.segments)
        }
        let m = maskCount(ofRow: i)
        if m > 0, let p = columns.positions, let l = columns.labels {
            column(p, i).widen(count: m, into: row.maskedPositions)
            column(l, i).widen(count: m, into: row.maskedLabels)
        }
    }
}

extension ShardColumnView {
    /// The first `count` elements widened into `out`, one loop per stored width.
    @inline(__always) func widen(count n: Int, into out: UnsafeMutablePointer<UInt32>) {
        switch width {
        case 1: for k in 0..<n { out[k] = UInt32(base.load(fromByteOffset: k, as: UInt8.self)) }
        case 2:
            for k in 0..<n {
                out[k] = UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)))
            }
        default:
            for k in 0..<n { out[k] = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)) }
        }
    }
}
