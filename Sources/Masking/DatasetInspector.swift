import Foundation
import Shards
import Tokenization

/// `prep inspect`: records of a dataset in dataset order, as JSON lines (one object per
/// record, every column by name, `next_sentence_label` as a number when present) or as a
/// readable view with tokens decoded and masks marked `{shown→label}`.
public struct DatasetInspector {
    private typealias Column = InstanceSchema.Column

    let directory: String
    let manifest: DatasetManifest
    let vocabulary: Vocabulary

    public init(directory: String, vocabulary: String? = nil) throws {
        self.directory = directory
        do { manifest = try Dataset.readManifest(in: directory) } catch let e as ShardError {
            throw MaskingError.badInput(path: directory, detail: "not a dataset: \(e)")
        }
        self.vocabulary = try VocabularyLocator.load(explicit: vocabulary, dataset: directory, identity: manifest.vocab)
            .0
    }

    /// Calls `emit` with one text block per record, up to `limit` records.
    public func render(json: Bool, limit: Int?, emit: (String) throws -> Void) throws {
        let fields = manifest.schema.fields.map(\.name)
        var record = ShardRecord(columnCount: fields.count)
        var n = 0
        for shard in manifest.shards {
            if let limit, n >= limit { return }
            let path = (directory as NSString).appendingPathComponent(shard.file)
            let reader: ShardReader
            do { reader = try ShardReader(path: path, summary: shard, cacheBlocks: 1) } catch let e
                as ShardError
            {
                throw MaskingError.shard(e)
            }
            for i in 0..<reader.recordCount {
                if let limit, n >= limit { return }
                do { try reader.read(i, into: &record) } catch let e as ShardError { throw MaskingError.shard(e) }
                try emit(json ? jsonLine(fields, record) : readable(n, shard.file, i, fields, record))
                n += 1
            }
        }
    }

    func jsonLine(_ fields: [String], _ record: ShardRecord) -> String {
        if manifest.kind == "instances" { return instanceJSONLine(fields, record) }
        var s = "{"
        for (f, name) in fields.enumerated() {
            if f > 0 { s += ", " }
            s += "\"\(name)\": [" + record.columns[f].map(String.init).joined(separator: ", ") + "]"
        }
        return s + "}"
    }

    /// One instance in the same JSON for either instance layout (see `InstanceSchema`):
    /// `input_ids`, `segment_ids` (one per token), `masked_positions`, `masked_labels`, and
    /// `next_sentence_label` when pairs are on.
    func instanceJSONLine(_ fields: [String], _ record: ShardRecord) -> String {
        let column = { (name: String) -> [UInt32] in fields.firstIndex(of: name).map { record.columns[$0] } ?? [] }
        let list = { (v: [UInt32]) in "[" + v.map(String.init).joined(separator: ", ") + "]" }
        let ids = column(Column.inputIDs)
        var s = "{\"\(Column.inputIDs)\": " + list(ids)
        s += ", \"\(Column.segmentIDs)\": " + list(segmentIDs(fields, record, count: ids.count))
        s += ", \"\(Column.maskedPositions)\": " + list(column(Column.maskedPositions))
        s += ", \"\(Column.maskedLabels)\": " + list(column(Column.maskedLabels))
        if let label = column(Column.nextSentenceLabel).first { s += ", \"\(Column.nextSentenceLabel)\": \(label)" }
        return s + "}"
    }

    /// Token type ids of an instance of `count` tokens: the `segment_ids` column (layout 1), or
    /// 0 before `segment_b_start` and 1 from it on (layout 2), or all 0 (no pairs).
    func segmentIDs(_ fields: [String], _ record: ShardRecord, count: Int) -> [UInt32] {
        if let f = fields.firstIndex(of: Column.segmentIDs) { return record.columns[f] }
        let b =
            fields.firstIndex(of: Column.segmentBStart).flatMap { record.columns[$0].first }.map { Int($0) } ?? count
        return InstanceSchema.segmentIDs(count: count, segmentBStart: b)
    }

    func token(_ id: UInt32) -> String {
        Int(id) < vocabulary.count ? vocabulary.token(for: id) : "<\(id)?>"
    }

    func readable(_ n: Int, _ file: String, _ i: Int, _ fields: [String], _ record: ShardRecord) -> String {
        let column = { (name: String) -> [UInt32] in fields.firstIndex(of: name).map { record.columns[$0] } ?? [] }
        if manifest.kind == "documents" {
            let tokens = column(DocumentSchema.Column.tokenIDs)
            var out = "document \(n) (\(file) #\(i)): \(tokens.count) tokens\n"
            var at = 0
            for l in column(DocumentSchema.Column.sentenceLengths) {
                let end = min(tokens.count, at + Int(l))
                out += "  " + tokens[at..<end].map(token).joined(separator: " ") + "\n"
                at = end
            }
            return out
        }
        let ids = column(Column.inputIDs), segments = segmentIDs(fields, record, count: ids.count)
        let labels = Dictionary(
            zip(column(Column.maskedPositions).map(Int.init), column(Column.maskedLabels)),
            uniquingKeysWith: { a, _ in a })
        var out = "instance \(n) (\(file) #\(i)): \(ids.count) tokens, \(labels.count) masked"
        if let label = column(Column.nextSentenceLabel).first {
            out += ", next_sentence_label \(label) (\(label == 0 ? "in order" : "random/swapped"))"
        }
        out += "\n  "
        var pieces: [String] = []
        for (p, id) in ids.enumerated() {
            var t = token(id)
            if let original = labels[p] { t = "{\(t)→\(token(original))}" }
            pieces.append(t)
            if p + 1 < ids.count, p < segments.count, p + 1 < segments.count, segments[p] != segments[p + 1] {
                pieces.append("|")
            }
        }
        return out + pieces.joined(separator: " ") + "\n"
    }
}
