/// One row of a task file before tokenization: the raw UTF-8 of its fields. Readers produce
/// these; `TaskDataset.load` maps labels and encodes them.
struct TaskRow {
    var line: Int
    var text: [UInt8]
    var pair: [UInt8]?
    /// The label as written (a JSON number keeps its literal text); nil when absent.
    var label: [UInt8]?
    /// 1-based column of the label (a TSV field number or a JSONL byte column), for messages.
    var labelColumn: Int
}

/// Where each field of a row is found: resolved once per file from the options.
struct TaskColumns {
    var text: String
    var pair: String?
    var label: String?
}

/// The default columns when none are named: GLUE's pairs (the names of its TSV files and of
/// HF's `glue` dataset), then single sentences. The first entry whose columns all exist wins.
enum DefaultColumns {
    static let pairs: [(String, String?)] = [
        ("sentence1", "sentence2"), ("question1", "question2"), ("question", "sentence"),
        ("premise", "hypothesis"), ("text", "text_pair"), ("sentence", nil), ("text", nil),
    ]
    static let labels = ["label", "gold_label"]
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// The bytes' text for a message, with invalid UTF-8 replaced.
    var messageText: String { String(decoding: self, as: UTF8.self) }
}

extension Array where Element == UInt8 {
    var messageText: String { String(decoding: self, as: UTF8.self) }
}
