/// The samples of one block, decoded into flat arrays (one allocation per column per
/// block, never per sample). Row i's tokens are `tokens[tokenStarts[i]..<tokenStarts[i+1]]`;
/// its masks `maskedPositions/Labels[maskStarts[i]..<maskStarts[i+1]]`.
final class DecodedBlock: @unchecked Sendable {
    var tokens: [UInt32] = []
    var tokenStarts: [Int] = [0]
    /// Same length as `tokens`: 0 = segment A, 1 = segment B.
    var segments: [UInt8] = []
    var maskedPositions: [UInt32] = []
    var maskedLabels: [UInt32] = []
    var maskStarts: [Int] = [0]
    /// -1 when the source has no pair label.
    var nextSentenceLabels: [Int8] = []

    var count: Int { tokenStarts.count - 1 }
    /// Bytes the block occupies decoded (for `--bench` MB/s).
    var tokenCount: Int { tokens.count }

    func length(ofRow i: Int) -> Int { tokenStarts[i + 1] - tokenStarts[i] }

    /// Appends one row; `segments` nil (or shorter than the row) means segment A.
    func append<T: Collection, P: Collection, L: Collection, S: Collection>(
        tokens t: T, segments s: S?, maskedPositions p: P, maskedLabels l: L, nextSentenceLabel: Int8
    ) where T.Element == UInt32, P.Element == UInt32, L.Element == UInt32, S.Element == UInt32 {
        var written = 0
        if let s {
            for v in s.prefix(t.count) { segments.append(UInt8(truncatingIfNeeded: v)) }
            written = min(s.count, t.count)
        }
        if written < t.count { segments.append(contentsOf: repeatElement(0, count: t.count - written)) }
        appendColumns(tokens: t, maskedPositions: p, maskedLabels: l, nextSentenceLabel: nextSentenceLabel)
    }

    /// Appends one row whose segment B starts at token `segmentBStart` (instance layout 2:
    /// token types 0 before it, 1 from it on; the row's length or more means no B).
    func append<T: Collection, P: Collection, L: Collection>(
        tokens t: T, segmentBStart: Int, maskedPositions p: P, maskedLabels l: L, nextSentenceLabel: Int8
    ) where T.Element == UInt32, P.Element == UInt32, L.Element == UInt32 {
        let b = min(max(segmentBStart, 0), t.count)
        segments.append(contentsOf: repeatElement(0, count: b))
        segments.append(contentsOf: repeatElement(1, count: t.count - b))
        appendColumns(tokens: t, maskedPositions: p, maskedLabels: l, nextSentenceLabel: nextSentenceLabel)
    }

    /// The columns both layouts store the same way; the caller has appended the row's segments.
    private func appendColumns<T: Collection, P: Collection, L: Collection>(
        tokens t: T, maskedPositions p: P, maskedLabels l: L, nextSentenceLabel: Int8
    ) where T.Element == UInt32, P.Element == UInt32, L.Element == UInt32 {
        tokens.append(contentsOf: t)
        tokenStarts.append(tokens.count)
        maskedPositions.append(contentsOf: p)
        maskedLabels.append(contentsOf: l)
        maskStarts.append(maskedPositions.count)
        nextSentenceLabels.append(nextSentenceLabel)
    }
}

/// A dataset of records grouped in blocks: all the loader's ordering, sharding and
/// resume logic needs is the block sizes, so it is tested against in-memory sources and
/// runs unchanged over shards.
protocol RecordSource: AnyObject {
    /// Records in each block, in dataset order (a record's dataset index is the sum of the
    /// sizes before its block plus its offset).
    var blockSizes: [Int] { get }
    /// Reads and verifies one block. Called from several worker threads at once.
    func decode(block: Int) throws -> DecodedBlock
    /// Human-readable name of block `b` for errors ("shard-00003.drs block 12").
    func describe(block: Int) -> String
}
