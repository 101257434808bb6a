import Masking

/// Instances the masking module built (from documents, or in tests), kept as it built them:
/// flat columns, one allocation per column for the whole block.
final class BuiltInstances: SampleBlock {
    let instances: InstanceBatch

    init(_ instances: InstanceBatch) { self.instances = instances }

    var count: Int { instances.count }
    var tokenCount: Int { instances.inputIDs.count }
    func length(ofRow i: Int) -> Int { instances.tokenRange(i).count }
    func maskCount(ofRow i: Int) -> Int { instances.maskRange(i).count }
    func nextSentenceLabel(ofRow i: Int) -> UInt32 { instances.nextSentenceLabels[i] }

    func write(row i: Int, into row: BatchRow) {
        let t = instances.tokenRange(i), m = instances.maskRange(i)
        instances.inputIDs.withUnsafeBufferPointer {
            row.tokens.update(from: $0.baseAddress! + t.lowerBound, count: t.count)
        }
        row.markSegmentB(from: Int(instances.segmentBStarts[i]), count: t.count)
        guard !m.isEmpty else { return }
        instances.maskedPositions.withUnsafeBufferPointer {
            row.maskedPositions.update(from: $0.baseAddress! + m.lowerBound, count: m.count)
        }
        instances.maskedLabels.withUnsafeBufferPointer {
            row.maskedLabels.update(from: $0.baseAddress! + m.lowerBound, count: m.count)
        }
    }
}
