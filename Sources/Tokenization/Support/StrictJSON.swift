// One JSON grammar for every JSON input (JSONL corpora, tokenizer.json): RFC 8259, strictly,
// over UTF-8 bytes. Foundation's JSONSerialization is not used because it turns object keys
// into `String`s, and Swift compares those by canonical equivalence, so two distinct keys
// (U+2329 and U+3008, or "ѝ" and "и" + U+0300) collapse into one; here keys and strings stay
// bytes. Where RFC 8259 leaves a choice, Python's `json` module decides, since that is what
// users compare with:
// - duplicate keys: the last one wins;
// - a lone surrogate escape (`\ud800`) is accepted; it cannot be UTF-8, so it unescapes to
//   U+FFFD (Python keeps it in the `str`, and then cannot encode it as UTF-8 either);
// - control characters (< 0x20) inside strings are refused (Python's default `strict=True`).
// Unlike Python, `NaN`, `Infinity` and `-Infinity` are refused (they are not JSON), as is a
// leading byte order mark. Bytes ≥ 0x80 inside strings are not checked here: callers decide
// what invalid UTF-8 means (JSONL: the `--on-invalid` policy; tokenizer.json: an error).

/// A JSON syntax error: what is wrong and where (byte offset; 1-based line and byte column).
public struct StrictJSONError: Error, Equatable, CustomStringConvertible, Sendable {
    public let offset: Int
    public let line: Int
    public let column: Int
    public let detail: String

    public var description: String { "\(line):\(column): \(detail)" }
}

/// A cursor over the bytes of one JSON text. Every `scan`/`skip` method validates what it
/// passes over and throws `StrictJSONError` at the first byte that breaks the grammar.
struct StrictJSONScanner {
    /// Deeper nesting is refused rather than risking the stack (Python stops near 1,000).
    static let maxDepth = 512

    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0
    var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    @inline(__always) var peek: UInt8 { i < bytes.count ? bytes[i] : 0 }
    @inline(__always) var atEnd: Bool { i >= bytes.count }

    func failure(_ detail: String, at offset: Int? = nil) -> StrictJSONError {
        let at = min(offset ?? i, bytes.count)
        var line = 1, lineStart = 0
        for k in 0..<at where bytes[k] == 10 {
            line += 1
            lineStart = k + 1
        }
        return StrictJSONError(offset: at, line: line, column: at - lineStart + 1, detail: detail)
    }

    /// What the byte at `i` is, for messages ("end of input", "'x'", "byte 0xff").
    func found() -> String {
        guard !atEnd else { return "end of input" }
        let c = bytes[i]
        if c >= 0x21 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x\(String(c, radix: 16, uppercase: false))"
    }

    @inline(__always) mutating func skipSpace() {
        while i < bytes.count {
            let c = bytes[i]
            guard c == 32 || c == 10 || c == 13 || c == 9 else { return }
            i += 1
        }
    }

    /// Before the first value: a byte order mark is named rather than reported as a bad byte.
    func refuseByteOrderMark() throws {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            throw failure("starts with a UTF-8 byte order mark, which JSON does not allow", at: 0)
        }
    }

    /// After the one value: only whitespace may follow.
    mutating func expectEnd() throws {
        skipSpace()
        if !atEnd { throw failure("unexpected \(found()) after the JSON value") }
    }

    @inline(__always) mutating func expect(_ c: UInt8, _ what: String) throws {
        guard i < bytes.count, bytes[i] == c else { throw failure("expected \(what), found \(found())") }
        i += 1
    }

    /// Passes over one value of any kind, validating it.
    mutating func skipValue() throws {
        switch peek {
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "{"):
            try enter()
            i += 1
            skipSpace()
            if peek == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    skipSpace()
                    guard peek == UInt8(ascii: "\"") else { throw failure("expected a key string, found \(found())") }
                    _ = try scanString()
                    skipSpace()
                    try expect(UInt8(ascii: ":"), "':' after the key")
                    skipSpace()
                    try skipValue()
                    if try endOfMember(closing: UInt8(ascii: "}")) { break }
                }
            }
            depth -= 1
        case UInt8(ascii: "["):
            try enter()
            i += 1
            skipSpace()
            if peek == UInt8(ascii: "]") {
                i += 1
            } else {
                while true {
                    skipSpace()
                    try skipValue()
                    if try endOfMember(closing: UInt8(ascii: "]")) { break }
                }
            }
            depth -= 1
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        default: throw failure("expected a value, found \(found())")
        }
    }

    mutating func enter() throws {
        depth += 1
        if depth > Self.maxDepth { throw failure("nested deeper than \(Self.maxDepth) levels") }
    }

    /// After a member or element: `,` (then another must follow: no trailing comma) or the
    /// closing bracket. Returns true at the closing bracket (consumed).
    @inline(__always) mutating func endOfMember(closing: UInt8) throws -> Bool {
        skipSpace()
        if peek == UInt8(ascii: ",") {
            i += 1
            skipSpace()
            if peek == closing { throw failure("trailing comma before '\(Character(Unicode.Scalar(closing)))'") }
            return false
        }
        if peek == closing && !atEnd {
            i += 1
            return true
        }
        let kind = closing == UInt8(ascii: "}") ? "object" : "array"
        if atEnd { throw failure("unclosed \(kind): end of input") }
        throw failure("expected ',' or '\(Character(Unicode.Scalar(closing)))' in the \(kind), found \(found())")
    }

    mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        let start = i
        let p = word.utf8Start
        for k in 0..<n {
            guard start + k < bytes.count, bytes[start + k] == p[k] else {
                i = start
                throw failure("expected a value, found \(found())")
            }
        }
        i = start + n
    }

    /// A number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. Returns true when
    /// it has neither fraction nor exponent.
    mutating func scanNumber() throws -> Bool {
        let start = i
        if peek == UInt8(ascii: "-") { i += 1 }
        func digits(_ s: inout StrictJSONScanner, _ what: String) throws {
            let from = s.i
            while s.i < s.bytes.count, s.bytes[s.i] &- 48 < 10 { s.i += 1 }
            if s.i == from { throw s.failure("expected a digit \(what), found \(s.found())") }
        }
        if peek == UInt8(ascii: "0") {
            i += 1
            if peek &- 48 < 10 && !atEnd { throw failure("leading zero in a number", at: start) }
        } else {
            try digits(&self, "in the number")
        }
        var integral = true
        if peek == UInt8(ascii: ".") {
            i += 1
            try digits(&self, "after the decimal point")
            integral = false
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            i += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
            try digits(&self, "in the exponent")
            integral = false
        }
        return integral
    }

    /// Passes over the string at `i` (at its opening quote), validating escapes and refusing
    /// raw control characters. Returns whether it holds any escape (if not, its bytes are
    /// `i₀+1 ..< i-1` as they stand).
    mutating func scanString() throws -> Bool {
        let open = i
        i += 1
        var escaped = false
        while true {
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x22 || c == 0x5C || c < 0x20 { break }
                i += 1
            }
            guard i < bytes.count else { throw failure("unterminated string (opened at column \(open + 1))") }
            let c = bytes[i]
            if c == 0x22 {
                i += 1
                return escaped
            }
            if c < 0x20 {
                throw failure("control character 0x\(String(c, radix: 16)) in a string (write it as an escape)")
            }
            escaped = true
            i += 1
            guard i < bytes.count else { throw failure("unterminated escape") }
            switch bytes[i] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                i += 1
            case UInt8(ascii: "u"):
                i += 1
                for _ in 0..<4 {
                    guard i < bytes.count, Self.hexValue(bytes[i]) != nil else {
                        throw failure("\\u must be followed by four hex digits")
                    }
                    i += 1
                }
            default:
                i -= 1
                throw failure("invalid escape \\\(String(decoding: [bytes[i + 1]], as: UTF8.self))")
            }
        }
    }

    @inline(__always) static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 48...57: return UInt32(c - 48)
        case 65...70: return UInt32(c - 55)
        case 97...102: return UInt32(c - 87)
        default: return nil
        }
    }

    /// Appends the unescaped UTF-8 of the string whose opening quote is at `open`, which
    /// `scanString` has validated.
    static func appendString(at open: Int, of bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var i = open + 1
        while true {
            let runStart = i
            while bytes[i] != 0x22 && bytes[i] != 0x5C { i += 1 }
            if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
            if bytes[i] == 0x22 { return }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "u"):
                var scalar = hex4(bytes, i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    // A pair is a high surrogate escape directly followed by a low one.
                    if i + 6 <= bytes.count, bytes[i] == 0x5C, bytes[i + 1] == UInt8(ascii: "u"),
                        case let low = hex4(bytes, i + 2), (0xDC00...0xDFFF).contains(low)
                    {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    scalar = 0xFFFD
                }
                appendUTF8(scalar, to: &out)
            default: out.append(e)  // " \ /
            }
        }
    }

    @inline(__always) static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | hexValue(bytes[i + k])! }
        return v
    }

    static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80: out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | v >> 6))
            out.append(UInt8(0x80 | v & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | v >> 12))
            out.append(UInt8(0x80 | v >> 6 & 0x3F))
            out.append(UInt8(0x80 | v & 0x3F))
        default:
            out.append(UInt8(0xF0 | v >> 18))
            out.append(UInt8(0x80 | v >> 12 & 0x3F))
            out.append(UInt8(0x80 | v >> 6 & 0x3F))
            out.append(UInt8(0x80 | v & 0x3F))
        }
    }
}
