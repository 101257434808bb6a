import Foundation
import Tokenization

/// A labelled task file, tokenized: what fine-tuning trains on and evaluates.
public struct TaskDataset: Sendable {
    public var examples: [EncodedExample]
    /// Classification: index → label as written in the file. Empty for regression.
    public var labelNames: [String]
    public var kind: TaskKind

    public init(examples: [EncodedExample], labelNames: [String], kind: TaskKind) {
        self.examples = examples
        self.labelNames = labelNames
        self.kind = kind
    }

    /// Reads `file` — JSONL when its name ends in `.jsonl` or `.json`, GLUE TSV otherwise —
    /// and encodes every row as `[CLS] A [SEP] (B [SEP])`, truncated longest-first to
    /// `options.maxLength`. `labelNames` (the training set's) fixes the classes; nil infers them
    /// (`LabelSet`). Errors are `TaskDataError`s naming the file and line.
    public static func load(
        _ file: URL, options: TaskDataOptions, tokenizer: BertTokenizer, labelNames: [String]?
    ) throws -> TaskDataset {
        let path = file.path
        guard options.maxLength >= 3 else {
            throw TaskDataError(path: path, detail: "max length \(options.maxLength) leaves no room for [CLS] A [SEP]")
        }
        if let k = options.numLabels, options.kind == .classification, k < 2 {
            throw TaskDataError(path: path, detail: "--num-labels must be at least 2 for classification, got \(k)")
        }
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: file))
        } catch {
            throw TaskDataError(path: path, detail: "cannot read: \((error as NSError).localizedDescription)")
        }
        let isJSONL = ["jsonl", "json"].contains(file.pathExtension.lowercased())
        let rows = try bytes.withUnsafeBufferPointer { b in
            isJSONL
                ? try JSONLReader.rows(b, path: path, options: options)
                : try TSVReader.rows(b, path: path, options: options)
        }
        let (labels, names) = try labelValues(rows, options: options, fixed: labelNames, path: path)

        let encoder = try tokenizer.makeEncoder()
        var encoding = Encoding()
        let encodeOptions = EncodeOptions(
            addSpecialTokens: true, maxLength: options.maxLength)
        var examples: [EncodedExample] = []
        examples.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            try row.text.withUnsafeBufferPointer { a in
                if let pair = row.pair {
                    try pair.withUnsafeBufferPointer { b in
                        try encoder.encode(a, pair: b, options: encodeOptions, into: &encoding)
                    }
                } else {
                    try encoder.encode(a, pair: nil, options: encodeOptions, into: &encoding)
                }
            }
            examples.append(
                EncodedExample(
                    inputIDs: encoding.ids.map { Int32(bitPattern: $0) },
                    tokenTypeIDs: encoding.typeIDs.map { Int32($0) }, label: labels[i], line: row.line))
        }
        return TaskDataset(examples: examples, labelNames: names, kind: options.kind)
    }

    /// Each row's label as a Float (a class index or a value) and the label names.
    static func labelValues(
        _ rows: [TaskRow], options: TaskDataOptions, fixed: [String]?, path: String
    ) throws -> ([Float], [String]) {
        switch options.kind {
        case .regression:
            let values = try rows.map { row -> Float in
                guard let l = row.label else { return .nan }
                guard let v = Double(l.messageText), v.isFinite else {
                    throw TaskDataError(
                        path: path, line: row.line, column: row.labelColumn,
                        detail: "regression label '\(l.messageText)' is not a finite number")
                }
                return Float(v)
            }
            return (values, [])
        case .classification:
            let present = rows.compactMap(\.label)
            let names: [String]
            if let fixed {
                try LabelSet.check(fixed, numLabels: options.numLabels, path: path)
                names = fixed
            } else {
                guard !present.isEmpty else {
                    throw TaskDataError(path: path, detail: "no labels to infer the classes from")
                }
                names = try LabelSet.infer(present, numLabels: options.numLabels, path: path)
            }
            var index: [String: Int] = [:]
            for (i, n) in names.enumerated() { index[n] = i }
            let values = try rows.map { row -> Float in
                guard let l = row.label else { return .nan }
                let name = l.messageText
                guard let i = index[name] else {
                    let known = names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", ..." : "")
                    throw TaskDataError(
                        path: path, line: row.line, column: row.labelColumn,
                        detail: "unknown label '\(name)' (the labels are \(known))")
                }
                return Float(i)
            }
            return (values, names)
        }
    }
}
