import Tokenization

// JSONL corpora carry one document per line, `{"text": "...", ...}`. Decoding whole
// objects with Foundation would dominate tokenization time, so this scans the object,
// skips other members without building them, and unescapes only the chosen string
// (`TextFields`: "text" by default, a dotted path such as "meta.body" into nested
// objects), with all JSON escapes (`\uXXXX` surrogate pairs included; a lone surrogate
// becomes U+FFFD, as it cannot be UTF-8).

enum JSONTextField {
    enum Failure: Error, Equatable {
        case malformed(offset: Int, detail: String)
        /// The member (dotted path) is absent.
        case missingField(String)
        case notAString(String)
        /// A path component other than the last names something that is not an object.
        case notAnObject(String)
    }

    /// Unescapes the string member `key` (a dotted path into nested objects) of the JSON
    /// object in `line` into `output` (cleared first).
    static func extract(
        _ key: String = "text", from line: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]
    ) throws {
        output.removeAll(keepingCapacity: true)
        var p = Parser(bytes: line)
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
        try p.member(path[...], depth: 0, name: key, into: &output)
    }

    /// Every field of `fields` in order, joined by a blank line (so each starts a new
    /// sentence and none runs into the next); each must be present.
    static func extract(
        _ fields: TextFields, from line: UnsafeBufferPointer<UInt8>, into output: inout [UInt8],
        scratch: inout [UInt8]
    ) throws {
        output.removeAll(keepingCapacity: true)
        if fields.paths.count == 1 {
            var p = Parser(bytes: line)
            return try p.member(fields.components[0][...], depth: 0, name: fields.paths[0], into: &output)
        }
        for k in fields.paths.indices {
            scratch.removeAll(keepingCapacity: true)
            var p = Parser(bytes: line)
            try p.member(fields.components[k][...], depth: 0, name: fields.paths[k], into: &scratch)
            if k > 0 { output.append(10); output.append(10) }
            output.append(contentsOf: scratch)
        }
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        var peek: UInt8 { i < bytes.count ? bytes[i] : 0 }

        func fail(_ detail: String) -> Failure { .malformed(offset: i, detail: detail) }

        /// Finds `path` in the object starting at `i` and unescapes the string there.
        mutating func member(
            _ path: ArraySlice<[UInt8]>, depth: Int, name: String, into output: inout [UInt8]
        ) throws {
            let shown = { (n: Int) in
                name.split(separator: ".", omittingEmptySubsequences: false).prefix(n).joined(separator: ".")
            }
            var key: [UInt8] = []
            skipSpace()
            try expect(UInt8(ascii: "{"))
            skipSpace()
            if peek == UInt8(ascii: "}") { throw Failure.missingField(shown(depth + 1)) }
            while true {
                skipSpace()
                key.removeAll(keepingCapacity: true)
                try string(into: &key)
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                if key == path.first! {
                    if path.count == 1 {
                        guard peek == UInt8(ascii: "\"") else { throw Failure.notAString(name) }
                        try string(into: &output)
                    } else {
                        guard peek == UInt8(ascii: "{") else { throw Failure.notAnObject(shown(depth + 1)) }
                        try member(path.dropFirst(), depth: depth + 1, name: name, into: &output)
                    }
                    return
                }
                try skipValue()
                skipSpace()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "}"))
                throw Failure.missingField(shown(depth + 1))
            }
        }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13 { i += 1 }
        }
        mutating func expect(_ c: UInt8) throws {
            guard peek == c, i < bytes.count else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
            i += 1
        }

        mutating func skipValue() throws {
            switch peek {
            case UInt8(ascii: "\""):
                i += 1
                while i < bytes.count {
                    let c = bytes[i]
                    if c == UInt8(ascii: "\\") { i += 2; continue }
                    i += 1
                    if c == UInt8(ascii: "\"") { return }
                }
                throw fail("unterminated string")
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while i < bytes.count {
                    let c = bytes[i]
                    if c == UInt8(ascii: "\"") { try skipValue(); continue }
                    if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
                    if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") { depth -= 1 }
                    i += 1
                    if depth == 0 { return }
                }
                throw fail("unterminated object or array")
            default:
                let start = i
                while i < bytes.count,
                    !(bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: "}") || bytes[i] == UInt8(ascii: "]")
                        || bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13)
                { i += 1 }
                if i == start { throw fail("expected a value") }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case 48...57: d = UInt32(c - 48)
                case 65...70: d = UInt32(c - 55)
                case 97...102: d = UInt32(c - 87)
                default: throw fail("bad hex digit in \\u escape")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        /// Appends the unescaped UTF-8 of the string starting at `i` (at its quote).
        mutating func string(into out: inout [UInt8]) throws {
            try expect(UInt8(ascii: "\""))
            while true {
                // Copy the run up to the next quote or backslash in one go.
                let runStart = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
                if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                guard i < bytes.count else { throw fail("unterminated string") }
                if bytes[i] == UInt8(ascii: "\"") { i += 1; return }
                i += 1  // backslash
                guard i < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by \u and a low surrogate.
                        if i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                            let save = i
                            i += 2
                            let low = try hex4()
                            if (0xDC00...0xDFFF).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                i = save
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        scalar = 0xFFFD
                    }
                    appendUTF8(scalar, to: &out)
                default:
                    throw fail("bad escape \\\(Character(Unicode.Scalar(e)))")
                }
            }
        }
    }

    static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80: out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | v >> 6)); out.append(UInt8(0x80 | v & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | v >> 12)); out.append(UInt8(0x80 | v >> 6 & 0x3F));
            out.append(UInt8(0x80 | v & 0x3F))
        default:
            out.append(UInt8(0xF0 | v >> 18)); out.append(UInt8(0x80 | v >> 12 & 0x3F))
            out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
        }
    }
}
