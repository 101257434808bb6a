// JSONL text extraction: find the string members at a few dotted paths of one JSON object
// while validating the whole line, in one pass and without building the object. Duplicate
// keys follow Python's `json` (the last wins), also for an object on the way: with
// `{"meta": {"body": "a"}, "meta": {}}` the path `meta.body` is missing.

/// What a JSON object holds at one path (keys as UTF-8 bytes, outermost first).
public enum JSONMemberLocation: Equatable, Sendable {
    /// A string whose opening quote is at this byte offset (`StrictJSON.appendString`).
    case string(offset: Int)
    /// The first `keys` keys of the path resolve, the next is absent from the object that
    /// ends (its `}`) at `offset`.
    case missing(keys: Int, offset: Int)
    /// The whole path resolves to a value that is not a string, at `offset`.
    case notAString(offset: Int)
    /// The first `keys` keys resolve to a value (at `offset`) that is not an object, so the
    /// rest of the path cannot be looked up in it.
    case notAnObject(keys: Int, offset: Int)
}

/// The entry points of the strict JSON reader (see StrictJSON.swift for the grammar).
public enum StrictJSON {
    /// Paths are limited so that the set of paths still being looked up fits one word.
    public static let maxPaths = 64

    /// Validates `line` as exactly one JSON object (whitespace around it allowed) and
    /// reports, for each of `paths`, what the object holds there (into `locations`, one per
    /// path, in order). Throws `StrictJSONError` for anything that is not such a JSON text.
    public static func locate(
        _ paths: [[[UInt8]]], in line: UnsafeBufferPointer<UInt8>, into locations: inout [JSONMemberLocation]
    ) throws {
        precondition(paths.count <= maxPaths && paths.allSatisfy { !$0.isEmpty })
        locations.removeAll(keepingCapacity: true)
        locations.append(contentsOf: repeatElement(.missing(keys: 0, offset: 0), count: paths.count))
        var walk = PathWalk(scanner: StrictJSONScanner(line), paths: paths)
        try walk.scanner.refuseByteOrderMark()
        walk.scanner.skipSpace()
        guard walk.scanner.peek == UInt8(ascii: "{") else {
            if walk.scanner.atEnd { throw walk.scanner.failure("expected a JSON object, found end of input") }
            let at = walk.scanner.i
            try walk.scanner.skipValue()  // a syntax error inside it is the better message
            throw walk.scanner.failure("expected a JSON object, found another kind of value", at: at)
        }
        let all = paths.count == 64 ? UInt64.max : (1 << UInt64(paths.count)) - 1
        try walk.object(active: all, level: 0, into: &locations)
        try walk.scanner.expectEnd()
    }

    /// Appends the unescaped UTF-8 of the string at `offset` of `bytes` (a `.string`
    /// location from `locate` over the same bytes). Lone surrogate escapes become U+FFFD.
    public static func appendString(at offset: Int, of bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        StrictJSONScanner.appendString(at: offset, of: bytes, to: &out)
    }
}

private struct PathWalk {
    var scanner: StrictJSONScanner
    let paths: [[[UInt8]]]
    /// The unescaped key, only for keys that hold escapes (rare).
    var keyScratch: [UInt8] = []

    /// The object at the scanner (at `{`), in which the paths of `active` look up their key
    /// number `level`.
    mutating func object(active: UInt64, level: Int, into locations: inout [JSONMemberLocation]) throws {
        try scanner.enter()
        scanner.i += 1
        scanner.skipSpace()
        var found: UInt64 = 0
        if scanner.peek == UInt8(ascii: "}") {
            scanner.i += 1
        } else {
            while true {
                scanner.skipSpace()
                guard scanner.peek == UInt8(ascii: "\"") else {
                    throw scanner.failure("expected a key string, found \(scanner.found())")
                }
                let keyStart = scanner.i
                let escaped = try scanner.scanString()
                let keyEnd = scanner.i - 1
                let matched = active == 0 ? 0 : match(keyStart + 1, keyEnd, escaped: escaped, active, level)
                scanner.skipSpace()
                try scanner.expect(UInt8(ascii: ":"), "':' after the key")
                scanner.skipSpace()
                if matched == 0 {
                    try scanner.skipValue()
                } else {
                    found |= matched
                    try value(matched: matched, level: level, into: &locations)
                }
                if try scanner.endOfMember(closing: UInt8(ascii: "}")) { break }
            }
        }
        scanner.depth -= 1
        // Paths whose key this object lacks (a later duplicate of an outer key resets them).
        var missing = active & ~found
        while missing != 0 {
            let p = missing.trailingZeroBitCount
            missing &= missing - 1
            locations[p] = .missing(keys: level, offset: scanner.i - 1)
        }
    }

    /// The value of a key that paths `matched` look up at `level` (a later duplicate key
    /// overwrites what an earlier one recorded: the last wins).
    mutating func value(matched: UInt64, level: Int, into locations: inout [JSONMemberLocation]) throws {
        let at = scanner.i
        var deeper: UInt64 = 0
        var bits = matched
        while bits != 0 {
            let p = bits.trailingZeroBitCount
            bits &= bits - 1
            if paths[p].count == level + 1 {
                locations[p] = scanner.peek == UInt8(ascii: "\"") ? .string(offset: at) : .notAString(offset: at)
            } else {
                deeper |= 1 << UInt64(p)
            }
        }
        if deeper != 0 && scanner.peek == UInt8(ascii: "{") {
            try object(active: deeper, level: level + 1, into: &locations)
            return
        }
        try scanner.skipValue()
        while deeper != 0 {
            let p = deeper.trailingZeroBitCount
            deeper &= deeper - 1
            locations[p] = .notAnObject(keys: level + 1, offset: at)
        }
    }

    /// The paths of `active` whose key number `level` equals the key at `start..<end`
    /// (compared as bytes, after unescaping when the key holds escapes).
    mutating func match(_ start: Int, _ end: Int, escaped: Bool, _ active: UInt64, _ level: Int) -> UInt64 {
        if escaped {
            keyScratch.removeAll(keepingCapacity: true)
            StrictJSONScanner.appendString(at: start - 1, of: scanner.bytes, to: &keyScratch)
        }
        let raw = UnsafeBufferPointer(rebasing: scanner.bytes[start..<end])
        var result: UInt64 = 0
        var bits = active
        while bits != 0 {
            let p = bits.trailingZeroBitCount
            bits &= bits - 1
            let want = paths[p][level]
            let equal = escaped ? keyScratch == want : want.count == raw.count && want.elementsEqual(raw)
            if equal { result |= 1 << UInt64(p) }
        }
        return result
    }
}
