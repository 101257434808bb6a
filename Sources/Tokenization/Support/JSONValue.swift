// A parsed JSON document, for files read whole (tokenizer.json). Strings and keys are kept
// as the bytes they unescape to, never as `String` keys of a dictionary (see StrictJSON.swift),
// and every value remembers its byte offset so that an error about it can say where it is.

struct JSONValue {
    enum Kind {
        case null
        case bool(Bool)
        /// `integer` when the number has no fraction or exponent and fits 64 bits.
        case number(Double, integer: Int64?)
        case string([UInt8])
        case array([JSONValue])
        /// Members in file order, duplicates included (lookups take the last, as Python does).
        case object([(key: [UInt8], value: JSONValue)])
    }

    var kind: Kind
    /// Byte offset of the value's first byte in the document.
    var offset: Int

    /// Parses `bytes` as one JSON text (whitespace around it allowed).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var s = StrictJSONScanner(bytes)
        try s.refuseByteOrderMark()
        s.skipSpace()
        let v = try value(&s)
        try s.expectEnd()
        return v
    }

    private static func value(_ s: inout StrictJSONScanner) throws -> JSONValue {
        let at = s.i
        switch s.peek {
        case UInt8(ascii: "\""): return JSONValue(kind: .string(try string(&s)), offset: at)
        case UInt8(ascii: "{"):
            try s.enter()
            s.i += 1
            s.skipSpace()
            var members: [(key: [UInt8], value: JSONValue)] = []
            if s.peek == UInt8(ascii: "}") {
                s.i += 1
            } else {
                while true {
                    s.skipSpace()
                    guard s.peek == UInt8(ascii: "\"") else {
                        throw s.failure("expected a key string, found \(s.found())")
                    }
                    let key = try string(&s)
                    s.skipSpace()
                    try s.expect(UInt8(ascii: ":"), "':' after the key")
                    s.skipSpace()
                    members.append((key, try value(&s)))
                    if try s.endOfMember(closing: UInt8(ascii: "}")) { break }
                }
            }
            s.depth -= 1
            return JSONValue(kind: .object(members), offset: at)
        case UInt8(ascii: "["):
            try s.enter()
            s.i += 1
            s.skipSpace()
            var elements: [JSONValue] = []
            if s.peek == UInt8(ascii: "]") {
                s.i += 1
            } else {
                while true {
                    s.skipSpace()
                    elements.append(try value(&s))
                    if try s.endOfMember(closing: UInt8(ascii: "]")) { break }
                }
            }
            s.depth -= 1
            return JSONValue(kind: .array(elements), offset: at)
        case UInt8(ascii: "t"):
            try s.literal("true")
            return JSONValue(kind: .bool(true), offset: at)
        case UInt8(ascii: "f"):
            try s.literal("false")
            return JSONValue(kind: .bool(false), offset: at)
        case UInt8(ascii: "n"):
            try s.literal("null")
            return JSONValue(kind: .null, offset: at)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let integral = try s.scanNumber()
            let text = String(decoding: UnsafeBufferPointer(rebasing: s.bytes[at..<s.i]), as: UTF8.self)
            let integer = integral ? Int64(text) : nil
            return JSONValue(kind: .number(Double(text) ?? .nan, integer: integer), offset: at)
        default: throw s.failure("expected a value, found \(s.found())")
        }
    }

    private static func string(_ s: inout StrictJSONScanner) throws -> [UInt8] {
        let open = s.i
        let escaped = try s.scanString()
        if !escaped { return Array(UnsafeBufferPointer(rebasing: s.bytes[(open + 1)..<(s.i - 1)])) }
        var out: [UInt8] = []
        StrictJSONScanner.appendString(at: open, of: s.bytes, to: &out)
        return out
    }

    /// The value of the last member named `key` (nil if none, or if this is not an object).
    subscript(key: String) -> JSONValue? {
        guard case let .object(members) = kind else { return nil }
        let want = Array(key.utf8)
        return members.last(where: { $0.key == want })?.value
    }

    var string: String? {
        if case let .string(b) = kind { return String(decoding: b, as: UTF8.self) }
        return nil
    }
    var bool: Bool? {
        if case let .bool(b) = kind { return b }
        return nil
    }
    var integer: Int64? {
        if case let .number(_, i) = kind { return i }
        return nil
    }
    var isNull: Bool {
        if case .null = kind { return true }
        return false
    }

    /// The kind, for messages.
    var kindName: String {
        switch kind {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
