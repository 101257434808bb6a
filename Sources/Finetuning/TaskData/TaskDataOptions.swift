/// What a task's label column holds: a class name (mapped to an index) or a number.
public enum TaskKind: String, Sendable {
    case classification, regression
}

/// One tokenized row of a task file, ready for a batch (no padding: the batcher pads).
public struct EncodedExample: Sendable, Equatable {
    /// `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`, after truncation.
    public var inputIDs: [Int32]
    /// 0 for `[CLS] A [SEP]`, 1 for `B [SEP]` (BERT's segment ids).
    public var tokenTypeIDs: [Int32]
    /// The class index for classification, the value for regression; NaN when the file has
    /// no label column and `requireLabels` is off (prediction input).
    public var label: Float
    /// 1-based line of the row in its file (for messages and `prep predict` output).
    public var line: Int

    public init(inputIDs: [Int32], tokenTypeIDs: [Int32], label: Float, line: Int) {
        self.inputIDs = inputIDs
        self.tokenTypeIDs = tokenTypeIDs
        self.label = label
        self.line = line
    }
}

/// How to read a task file. Columns are TSV header names or 0-based indices ("3"); in JSONL
/// they are keys. `nil` picks the defaults documented in docs/finetuning.md (GLUE's names).
public struct TaskDataOptions: Sendable {
    public var kind: TaskKind
    /// The number of classes the model has (`--num-labels`); checked against the labels.
    public var numLabels: Int?
    public var textColumn: String?
    public var pairColumn: String?
    public var labelColumn: String?
    /// Longest encoding, [CLS] and [SEP] included (HF's `max_length`; run_glue's default 128).
    public var maxLength: Int
    /// Off for prediction input: a file without the label column then gives NaN labels.
    public var requireLabels: Bool

    public init(
        kind: TaskKind = .classification, numLabels: Int? = nil, textColumn: String? = nil,
        pairColumn: String? = nil, labelColumn: String? = nil, maxLength: Int = 128, requireLabels: Bool = true
    ) {
        self.kind = kind
        self.numLabels = numLabels
        self.textColumn = textColumn
        self.pairColumn = pairColumn
        self.labelColumn = labelColumn
        self.maxLength = maxLength
        self.requireLabels = requireLabels
    }
}
