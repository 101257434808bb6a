import Tokenization

// JSONL corpora carry one document per line, `{"text": "...", ...}`. Each line must be exactly
// one valid JSON object (Tokenization's strict reader: RFC 8259, duplicate keys resolved as
// Python's `json` does, the last one winning); the reader validates the whole line in one pass
// without building the object and unescapes only the chosen strings (`TextFields`: "text" by
// default, dotted paths such as "meta.body" into nested objects). A lone surrogate escape
// becomes U+FFFD, as it cannot be UTF-8.

enum JSONTextField {
    /// What is wrong with a line; `column` is the 1-based byte column.
    enum Failure: Error, Equatable {
        case malformed(column: Int, detail: String)
        /// The member (dotted path, up to the first absent key) is absent.
        case missingField(String, column: Int)
        case notAString(String, column: Int)
        /// A path component other than the last names something that is not an object.
        case notAnObject(String, column: Int)

        var column: Int {
            switch self {
            case let .malformed(c, _), let .missingField(_, c), let .notAString(_, c), let .notAnObject(_, c): return c
            }
        }

        var detail: String {
            switch self {
            case let .malformed(_, detail): return "malformed JSON: \(detail)"
            case let .missingField(name, _): return "JSON object has no \"\(name)\" member"
            case let .notAString(name, _): return "\"\(name)\" is not a string"
            case let .notAnObject(name, _): return "\"\(name)\" is not an object"
            }
        }

        /// The one-line error, "FILE:LINE:COLUMN: detail".
        func error(path: String, line: Int) -> TokenizationError {
            .input(path: "\(path):\(line):\(column)", detail: detail)
        }
    }

    /// Unescapes the string member `key` (a dotted path into nested objects) of the JSON
    /// object in `line` into `output` (cleared first).
    static func extract(
        _ key: String = "text", from line: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]
    ) throws {
        var locations: [JSONMemberLocation] = []
        try extract(try TextFields([key]), from: line, into: &output, scratch: &locations)
    }

    /// Every field of `fields` in order, joined by a blank line (so each starts a new
    /// sentence and none runs into the next); each must be present.
    static func extract(
        _ fields: TextFields, from line: UnsafeBufferPointer<UInt8>, into output: inout [UInt8],
        scratch locations: inout [JSONMemberLocation]
    ) throws {
        output.removeAll(keepingCapacity: true)
        do {
            try StrictJSON.locate(fields.components, in: line, into: &locations)
        } catch let e as StrictJSONError {
            throw Failure.malformed(column: e.column, detail: e.detail)
        }
        for k in fields.paths.indices {
            let shown = { (keys: Int) in
                fields.paths[k].split(separator: ".", omittingEmptySubsequences: false)
                    .prefix(keys).joined(separator: ".")
            }
            switch locations[k] {
            case let .string(offset):
                if k > 0 { output.append(10); output.append(10) }
                StrictJSON.appendString(at: offset, of: line, to: &output)
            case let .missing(keys, offset): throw Failure.missingField(shown(keys + 1), column: offset + 1)
            case let .notAString(offset): throw Failure.notAString(fields.paths[k], column: offset + 1)
            case let .notAnObject(keys, offset): throw Failure.notAnObject(shown(keys), column: offset + 1)
            }
        }
    }
}
