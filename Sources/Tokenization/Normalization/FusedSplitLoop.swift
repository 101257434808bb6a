// The fast path's loop over UTF-8 bytes and the state it keeps; `BertTextSplitter.splitFast`
// owns the buffers. Layout and invariants are explained next to each piece.
extension BertTextSplitter {
    enum Status { case done, needsReordering, needsRoom }

    /// The output buffers for one pass of the loop (they move when they grow).
    struct Output {
        let bytes: UnsafeMutablePointer<UInt8>
        let starts: UnsafeMutablePointer<Int32>
        let ends: UnsafeMutablePointer<Int32>
        let limit: Int
    }

    /// Where the loop is: survives a pause to grow the output.
    struct Cursor {
        /// Enough room for the output of any one scalar (at most 18 bytes today; checked when
        /// the table is built).
        static let slack = 64
        var position: Int
        var input = 0
        var wordStart = -1
        var scalars: Int32 = 0
        /// Combining class of the last scalar of the NFD stream so far (0 when not stripping).
        var lastClass: UInt64 = 0

        init(position: Int) { self.position = position }

        @inline(__always) mutating func closeWord(_ words: inout [PreTokenizedText.Word]) {
            if wordStart >= 0 {
                words.append(.init(start: Int32(wordStart), end: Int32(position), scalarCount: scalars))
                wordStart = -1
            }
        }

        @inline(__always) mutating func beginScalar() {
            if wordStart < 0 { wordStart = position; scalars = 0 }
            scalars += 1
        }

        @inline(__always) mutating func put(_ byte: UInt8, start: Int32, end: Int32, _ out: Output) {
            out.bytes[position] = byte; out.starts[position] = start; out.ends[position] = end
            position += 1
        }

        /// Copies `length` input bytes unchanged.
        @inline(__always) mutating func copy(
            _ from: UnsafePointer<UInt8>, length: Int, start: Int32, end: Int32,
            _ out: Output
        ) {
            for k in 0..<length { put(from[k], start: start, end: end, out) }
        }

        @inline(__always) mutating func encode(_ cp: UInt32, start: Int32, end: Int32, _ out: Output) {
            let n = UTF8Decoding.encode(cp, into: out.bytes + position)
            for k in 0..<n { out.starts[position + k] = start; out.ends[position + k] = end }
            position += n
        }

        /// Emits one output scalar of the given split class (word, space, isolated).
        @inline(__always) mutating func emit(
            _ cp: UInt32, splitClass: UInt64, start: Int32, end: Int32,
            _ out: Output, words: inout [PreTokenizedText.Word]
        ) {
            switch splitClass {
            case ScalarTable.classWord:
                beginScalar(); encode(cp, start: start, end: end, out)
            case ScalarTable.classSpace:
                closeWord(&words)
            default:
                closeWord(&words); beginScalar(); encode(cp, start: start, end: end, out); closeWord(&words)
            }
        }
    }

    /// Invariant: at the top of the loop, `out.limit - position >= (n - input) + slack`, so the
    /// paths that write no more bytes than they read need no check; only expansions do.
    static func run(
        _ source: UnsafePointer<UInt8>, count n: Int, sourceBase: Int32, table: ScalarTable,
        out: Output, cursor: inout Cursor, words: inout [PreTokenizedText.Word]
    ) -> Status {
        // A local copy keeps the cursor in registers (through `inout` it is reloaded around calls).
        var c = cursor
        defer { cursor = c }
        let ascii = table.ascii
        let pool = table.pool
        while c.input < n {
            let i = c.input
            let b0 = source[i]
            if b0 < 0x80 {
                let e = ascii[Int(b0)]
                let start = sourceBase + Int32(i)
                switch e >> 8 {
                case 0:
                    // The hot loop for ASCII text: a run of word characters, all state in registers.
                    if c.wordStart < 0 { c.wordStart = c.position; c.scalars = 0 }
                    var p = c.position, j = i, entry = e
                    while true {
                        out.bytes[p] = UInt8(truncatingIfNeeded: entry)
                        out.starts[p] = sourceBase + Int32(j); out.ends[p] = sourceBase + Int32(j) + 1
                        p += 1; j += 1
                        guard j < n else { break }
                        let b = source[j]
                        guard b < 0x80 else { break }
                        entry = ascii[Int(b)]
                        guard entry >> 8 == 0 else { break }
                    }
                    c.scalars += Int32(j - i)
                    c.position = p
                    c.input = j
                    c.lastClass = 0
                    continue
                case 1:
                    c.closeWord(&words); c.lastClass = 0
                case 2:
                    c.closeWord(&words); c.beginScalar()
                    c.put(UInt8(truncatingIfNeeded: e), start: start, end: start + 1, out)
                    c.closeWord(&words); c.lastClass = 0
                default:
                    break  // deleted by clean_text: not in the NFD stream either
                }
                c.input = i + 1
                continue
            }
            var (cp, length) = UTF8Decoding.decode(source, at: i, count: n)
            let valid = cp != 0xFFFD || length == 3
            let entry = table.entry(cp) & ScalarTable.splitBits
            let start = sourceBase + Int32(i), end = sourceBase + Int32(i + length)
            if entry == 0 && valid {
                c.beginScalar(); c.copy(source + i, length: length, start: start, end: end, out)
                c.lastClass = 0
                c.input = i + length
                continue
            }
            if entry & ScalarTable.deleted != 0 { c.input = i + length; continue }
            // NFD sorts adjacent non-starters by class: out of order here means reordering,
            // which the readable path does (the reference moves characters, not offsets).
            let firstClass = entry >> 8 & 0xFF
            if firstClass != 0 && c.lastClass > firstClass { return .needsReordering }
            if entry & ScalarTable.replaced == 0 {
                if !valid {  // an invalid byte (U+FFFD kept): 3 bytes out for 1 in
                    if out.limit - c.position - 3 < n - i - 1 + Cursor.slack { return .needsRoom }
                    cp = 0xFFFD; length = 1
                }
                switch entry & 3 {
                case ScalarTable.classWord:
                    c.beginScalar()
                    if valid {
                        c.copy(source + i, length: length, start: start, end: end, out)
                    } else {
                        c.encode(cp, start: start, end: end, out)
                    }
                case ScalarTable.classSpace:
                    c.closeWord(&words)
                default:
                    c.closeWord(&words); c.beginScalar()
                    if valid {
                        c.copy(source + i, length: length, start: start, end: end, out)
                    } else {
                        c.encode(cp, start: start, end: end, out)
                    }
                    c.closeWord(&words)
                }
            } else {
                let offset = Int(entry >> 32)
                let pieces = Int(pool[offset])
                let produced = Int(table.outputBytes(entry))
                if produced > length && out.limit - c.position - produced < n - i - length + Cursor.slack {
                    return .needsRoom
                }
                for k in 0..<pieces {
                    let piece = pool[offset + 1 + k]
                    c.emit(
                        piece & 0xFFFFFF, splitClass: UInt64(piece >> 24), start: start, end: end, out, words: &words)
                }
            }
            c.lastClass = entry >> 16 & 0xFF
            c.input = i + length
        }
        c.closeWord(&words)
        return .done
    }
}
