import Tokenization

/// GLUE's TSV layout: a header row, one row per line, fields split on every tab with no
/// quoting (GLUE's files are read with `quoting=csv.QUOTE_NONE`), `\r\n` accepted.
enum TSVReader {
    static func rows(
        _ bytes: UnsafeBufferPointer<UInt8>, path: String, options: TaskDataOptions
    ) throws -> [TaskRow] {
        var lines = LineSplitter(bytes)
        guard let header = lines.next() else {
            throw TaskDataError(path: path, detail: "empty file (a TSV task file needs a header row)")
        }
        try checkUTF8(header.bytes, path: path, line: 1)
        let names = fields(header.bytes).map { $0.messageText }
        let text: Int, pair: Int?, label: Int?
        if options.textColumn == nil && options.pairColumn == nil {
            guard
                let d = DefaultColumns.pairs.first(where: { names.contains($0.0) && ($0.1.map(names.contains) ?? true) }
                )
            else {
                throw TaskDataError(
                    path: path, line: 1,
                    detail: "no text column named; the header (\(names.joined(separator: ", "))) has none of "
                        + "sentence1, question1, question, premise, text, sentence (use --text-column)")
            }
            text = try column(d.0, in: names, path: path)
            pair = try d.1.map { try column($0, in: names, path: path) }
        } else {
            guard let t = options.textColumn else {
                throw TaskDataError(path: path, line: 1, detail: "a pair column needs a text column too")
            }
            text = try column(t, in: names, path: path)
            pair = try options.pairColumn.map { try column($0, in: names, path: path) }
        }
        if let l = options.labelColumn {
            label = try column(l, in: names, path: path)
        } else if let l = DefaultColumns.labels.first(where: names.contains) {
            label = try column(l, in: names, path: path)
        } else if options.requireLabels {
            throw TaskDataError(
                path: path, line: 1,
                detail:
                    "no label column: the header (\(names.joined(separator: ", "))) has no 'label' (use --label-column)"
            )
        } else {
            label = nil
        }

        var rows: [TaskRow] = []
        var cells: [Range<Int>] = []
        while let l = lines.next() {
            try checkUTF8(l.bytes, path: path, line: l.number)
            cells.removeAll(keepingCapacity: true)
            fieldRanges(l.bytes, into: &cells)
            guard cells.count == names.count else {
                if l.bytes.isEmpty {
                    throw TaskDataError(
                        path: path, line: l.number,
                        detail: "blank line (a row needs \(names.count) tab-separated fields)")
                }
                throw TaskDataError(
                    path: path, line: l.number,
                    detail: "ragged row: \(cells.count) tab-separated fields, the header has \(names.count)")
            }
            func cell(_ i: Int) -> [UInt8] { Array(l.bytes[cells[i]]) }
            rows.append(
                TaskRow(
                    line: l.number, text: cell(text), pair: pair.map(cell), label: label.map(cell),
                    labelColumn: (label ?? 0) + 1))
        }
        guard !rows.isEmpty else { throw TaskDataError(path: path, detail: "no examples after the header row") }
        return rows
    }

    /// A column by header name, else by 0-based index; a name that occurs twice is refused.
    static func column(_ spec: String, in names: [String], path: String) throws -> Int {
        let hits = names.indices.filter { names[$0] == spec }
        if hits.count == 1 { return hits[0] }
        if hits.count > 1 {
            throw TaskDataError(
                path: path, line: 1, detail: "column '\(spec)' occurs \(hits.count) times in the header")
        }
        if let i = Int(spec), i >= 0, !spec.hasPrefix("+") {
            guard i < names.count else {
                throw TaskDataError(
                    path: path, line: 1,
                    detail: "column index \(i) is out of range: the header has \(names.count) columns")
            }
            return i
        }
        throw TaskDataError(
            path: path, line: 1, detail: "no column '\(spec)' in the header (\(names.joined(separator: ", ")))")
    }

    static func fields(_ line: UnsafeBufferPointer<UInt8>) -> [[UInt8]] {
        var r: [Range<Int>] = []
        fieldRanges(line, into: &r)
        return r.map { Array(line[$0]) }
    }

    static func fieldRanges(_ line: UnsafeBufferPointer<UInt8>, into out: inout [Range<Int>]) {
        var start = 0
        for i in 0..<line.count where line[i] == UInt8(ascii: "\t") {
            out.append(start..<i)
            start = i + 1
        }
        out.append(start..<line.count)
    }
}

/// Refuses a line that is not UTF-8, naming the byte column of the first bad byte.
func checkUTF8(_ line: UnsafeBufferPointer<UInt8>, path: String, line number: Int) throws {
    if let bad = UTF8Repair.firstInvalidOffset(line) {
        throw TaskDataError(path: path, line: number, column: bad + 1, detail: "invalid UTF-8 (byte column)")
    }
}

/// Lines of a file: split on `\n`, a final `\r` dropped, a last line without `\n` kept,
/// nothing after the final `\n`.
struct LineSplitter {
    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0
    var number = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func next() -> (bytes: UnsafeBufferPointer<UInt8>, number: Int)? {
        guard offset < bytes.count else { return nil }
        var end = offset
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        var stop = end
        if stop > offset && bytes[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
        let line = UnsafeBufferPointer(rebasing: bytes[offset..<stop])
        offset = end + 1
        number += 1
        return (line, number)
    }
}
