// Reads one JSON object's members with their keys as bytes. `JSONSerialization` hands back a
// `[String: Any]`, and Swift dictionaries compare `String` keys by canonical equivalence, so a
// tokenizer.json vocab holding both "é" (U+00E9) and "e\u{301}" would lose one of them; the
// reference (serde) keeps both. This scanner walks the bytes (already known to be valid JSON)
// and never turns a key into a dictionary key.

struct JSONMemberScanner {
    private let bytes: [UInt8]
    private var i = 0

    /// The members of the object reached from the root by `path` (object keys, ASCII), in file
    /// order, each as (key bytes with escapes resolved, integer value or nil); nil when the
    /// path does not lead to an object.
    static func members(of bytes: [UInt8], at path: [String]) -> [(key: [UInt8], value: Int?)]? {
        var s = JSONMemberScanner(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { s.i = 3 }  // a byte order mark, which JSONSerialization accepts
        for key in path {
            guard s.enterMember(named: Array(key.utf8)) else { return nil }
        }
        return s.objectMembers()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func skipWhitespace() {
        while let c = current, c == 32 || c == 9 || c == 10 || c == 13 { i += 1 }
    }

    /// At an object: moves to the value of member `name`; false when there is none.
    private mutating func enterMember(named name: [UInt8]) -> Bool {
        skipWhitespace()
        guard current == UInt8(ascii: "{") else { return false }
        i += 1
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { return false }
            let key = string()
            skipWhitespace()
            i += 1  // ':'
            skipWhitespace()
            if key == name { return true }
            skipValue()
            skipWhitespace()
            guard current == UInt8(ascii: ",") else { return false }
            i += 1
        }
    }

    private mutating func objectMembers() -> [(key: [UInt8], value: Int?)]? {
        skipWhitespace()
        guard current == UInt8(ascii: "{") else { return nil }
        i += 1
        var out: [(key: [UInt8], value: Int?)] = []
        while true {
            skipWhitespace()
            if current == UInt8(ascii: "}") { return out }
            guard current == UInt8(ascii: "\"") else { return nil }
            let key = string()
            skipWhitespace()
            i += 1  // ':'
            skipWhitespace()
            let start = i
            skipValue()
            out.append((key, Int(String(decoding: bytes[start..<i], as: UTF8.self))))
            skipWhitespace()
            if current == UInt8(ascii: ",") { i += 1 }
        }
    }

    /// A string literal at `i`, its escapes resolved to UTF-8 bytes (surrogate pairs joined).
    private mutating func string() -> [UInt8] {
        var out: [UInt8] = []
        i += 1  // opening quote
        while let c = current, c != UInt8(ascii: "\"") {
            i += 1
            guard c == UInt8(ascii: "\\"), let e = current else {
                out.append(c)
                continue
            }
            i += 1
            switch e {
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "u"):
                var scalar = hex4()
                if (0xD800..<0xDC00).contains(scalar), current == UInt8(ascii: "\\"),
                    i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "u")
                {
                    i += 2
                    let low = hex4()
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low &- 0xDC00)
                }
                out += Array(String(Unicode.Scalar(scalar) ?? "\u{FFFD}").utf8)
            default: out.append(e)  // \" \\ \/
            }
        }
        i += 1  // closing quote
        return out
    }

    private mutating func hex4() -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let c = current, let d = UInt32(String(UnicodeScalar(c)), radix: 16) else { return v }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    /// Skips one value (string, number, literal, or a nested object/array).
    private mutating func skipValue() {
        skipWhitespace()
        guard let c = current else { return }
        switch c {
        case UInt8(ascii: "\""):
            _ = string()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while let d = current {
                if d == UInt8(ascii: "\"") {
                    _ = string()
                    continue
                }
                i += 1
                if d == UInt8(ascii: "{") || d == UInt8(ascii: "[") { depth += 1 }
                if d == UInt8(ascii: "}") || d == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 { return }
                }
            }
        default:
            while let d = current, d != UInt8(ascii: ","), d != UInt8(ascii: "}"), d != UInt8(ascii: "]"),
                d != 32, d != 9, d != 10, d != 13
            {
                i += 1
            }
        }
    }
}
