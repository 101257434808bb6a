import Tokenization

/// One JSON object per line: `text`, optional `text_pair`, `label` (or the keys the options
/// name). The label may be a string or a number; a number keeps its literal text, so `1`
/// and `"1"` are the same class. Lines are validated whole by the strict JSON reader.
enum JSONLReader {
    static func rows(
        _ bytes: UnsafeBufferPointer<UInt8>, path: String, options: TaskDataOptions
    ) throws -> [TaskRow] {
        let textKey = options.textColumn ?? "text"
        let pairKey = options.pairColumn ?? "text_pair"
        let labelKey = options.labelColumn ?? "label"
        let paths: [[[UInt8]]] = [[Array(textKey.utf8)], [Array(pairKey.utf8)], [Array(labelKey.utf8)]]
        var lines = LineSplitter(bytes)
        var rows: [TaskRow] = []
        var at: [JSONMemberLocation] = []
        while let l = lines.next() {
            let line = l.bytes
            try checkUTF8(line, path: path, line: l.number)
            guard line.contains(where: { !($0 == 0x20 || $0 == 0x09) }) else {
                throw TaskDataError(path: path, line: l.number, detail: "blank line (one JSON object per line)")
            }
            do {
                try StrictJSON.locate(paths, in: line, into: &at)
            } catch let e as StrictJSONError {
                throw TaskDataError(path: path, line: l.number, column: e.column, detail: e.detail)
            }
            func string(_ i: Int, _ key: String, required: Bool) throws -> [UInt8]? {
                switch at[i] {
                case .string(let offset):
                    var out: [UInt8] = []
                    StrictJSON.appendString(at: offset, of: line, to: &out)
                    return out
                case .missing:
                    if required { throw TaskDataError(path: path, line: l.number, detail: "no \"\(key)\" member") }
                    return nil
                case .notAString(let offset), .notAnObject(_, let offset):
                    throw TaskDataError(
                        path: path, line: l.number, column: offset + 1, detail: "\"\(key)\" is not a string")
                }
            }
            let text = try string(0, textKey, required: true)!
            let pair = try string(1, pairKey, required: options.pairColumn != nil)
            var label: [UInt8]? = nil
            var labelColumn = 0
            switch at[2] {
            case .string(let offset):
                labelColumn = offset + 1
                var out: [UInt8] = []
                StrictJSON.appendString(at: offset, of: line, to: &out)
                label = out
            case .notAString(let offset):
                labelColumn = offset + 1
                guard let literal = numberLiteral(at: offset, in: line) else {
                    throw TaskDataError(
                        path: path, line: l.number, column: offset + 1,
                        detail: "\"\(labelKey)\" is neither a string nor a number")
                }
                label = literal
            case .missing:
                if options.requireLabels {
                    throw TaskDataError(path: path, line: l.number, detail: "no \"\(labelKey)\" member")
                }
            case .notAnObject(_, let offset):
                throw TaskDataError(path: path, line: l.number, column: offset + 1, detail: "bad \"\(labelKey)\"")
            }
            rows.append(TaskRow(line: l.number, text: text, pair: pair, label: label, labelColumn: labelColumn))
        }
        guard !rows.isEmpty else { throw TaskDataError(path: path, detail: "empty file (no examples)") }
        return rows
    }

    /// The literal text of a JSON number that starts at `offset` (already validated by the
    /// strict reader), or nil when the value there is not a number (true, null, an array...).
    static func numberLiteral(at offset: Int, in line: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let first = line[offset]
        guard first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return nil }
        var end = offset
        let numberBytes = Set("+-.eE0123456789".utf8)
        while end < line.count && numberBytes.contains(line[end]) { end += 1 }
        return Array(line[offset..<end])
    }
}
