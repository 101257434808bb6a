import Foundation

/// Normalizes UTF-8 text and splits it into words, with offsets into the input: HF
/// `tokenizers` 0.23.3 `BertNormalizer` followed by `BertPreTokenizer`, fused into one pass
/// over the bytes.
///
/// The fast path looks every scalar up in a `ScalarTable` (ASCII in a 128-entry table) and
/// writes straight into the caller's `PreTokenizedText` buffers: no allocation per word or
/// per call once those buffers have grown. The one effect that is not per scalar, NFD's
/// canonical reordering of combining marks that arrive out of order across scalars (only with
/// strip_accents), is detected from the combining classes stored in the table; such input
/// is redone by the readable `ReferenceSplitter`, which the fast path is tested to match.
/// Safe to share across threads.
public final class BertTextSplitter: @unchecked Sendable {
    public let options: NormalizerOptions
    let properties: UnicodeProperties
    let table: ScalarTable
    let reference: ReferenceSplitter

    public init(options: NormalizerOptions) throws {
        self.options = options
        properties = try UnicodeProperties.shared(unicode: options.unicode)
        table = ScalarTable.shared(options: options, properties: properties)
        reference = ReferenceSplitter(options: options, properties: properties)
    }

    /// Appends the words of `input` (valid UTF-8; callers replace invalid sequences
    /// with U+FFFD first — any that remain become U+FFFD byte by byte) to `output`.
    /// `sourceBase` is added to every source offset.
    public func split(_ input: UnsafeBufferPointer<UInt8>, sourceBase: Int32 = 0, into output: inout PreTokenizedText) {
        if options.preNormalization != .none, !Self.isASCII(input) {
            splitPreNormalized(input, sourceBase: sourceBase, into: &output)
            return
        }
        if !splitFast(input, sourceBase: sourceBase, into: &output) {
            reference.split(input, sourceBase: sourceBase, into: &output)
        }
    }

    /// The readable stage-by-stage path (for tests and debugging); same output as `split`.
    public func splitUsingReferencePath(_ input: UnsafeBufferPointer<UInt8>, sourceBase: Int32 = 0,
                                        into output: inout PreTokenizedText) {
        reference.split(input, sourceBase: sourceBase, into: &output)
    }

    private static func isASCII(_ input: UnsafeBufferPointer<UInt8>) -> Bool {
        var acc: UInt8 = 0
        for b in input { acc |= b }
        return acc < 0x80
    }

    /// NFC/NFKC first (into a scratch buffer that remembers each byte's source range), then
    /// the fast path over the result, then source offsets mapped back to the input. Scalars
    /// that normalization cannot touch (ICU's "inert", from the table) are copied as they are;
    /// only the runs between them go through `PreNormalizer`.
    private func splitPreNormalized(_ input: UnsafeBufferPointer<UInt8>, sourceBase: Int32,
                                    into output: inout PreTokenizedText) {
        guard let source = input.baseAddress else { return }
        let sensitive = options.preNormalization == .nfc ? ScalarTable.nfcSensitive : ScalarTable.nfkcSensitive
        let normalizer = PreNormalizer(form: options.preNormalization, properties: properties)
        var bytes: [UInt8] = [], starts: [Int32] = [], ends: [Int32] = []
        bytes.reserveCapacity(input.count + 16); starts.reserveCapacity(input.count + 16); ends.reserveCapacity(input.count + 16)
        var run: [SourcedScalar] = []
        var encoded: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        func append(_ s: SourcedScalar) {
            let n = withUnsafeMutableBytes(of: &encoded) {
                UTF8Decoding.encode(s.value, into: $0.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            withUnsafeBytes(of: &encoded) { for k in 0..<n { bytes.append($0[k]); starts.append(s.start); ends.append(s.end) } }
        }
        func flush() {
            if run.isEmpty { return }
            for s in normalizer.normalize(run) { append(s) }
            run.removeAll(keepingCapacity: true)
        }
        // ASCII is copied without a lookup, but a letter may compose with a following mark
        // (e + U+0301): the ASCII scalar just before a run joins the run. One is enough, since
        // every ASCII scalar starts a normalization segment.
        var i = 0, changed = false, previousASCII = false
        while i < input.count {
            let (cp, length) = UTF8Decoding.decode(source, at: i, count: input.count)
            let s = SourcedScalar(value: cp, start: sourceBase + Int32(i), end: sourceBase + Int32(i + length))
            if cp >= 0x80 && table.entry(cp) & sensitive != 0 {
                if run.isEmpty && previousASCII {
                    let b = bytes.removeLast(), start = starts.removeLast(), end = ends.removeLast()
                    run.append(SourcedScalar(value: UInt32(b), start: start, end: end))
                }
                run.append(s); changed = true
                previousASCII = false
            } else {
                flush()
                for k in 0..<length { bytes.append(source[i + k]); starts.append(s.start); ends.append(s.end) }
                previousASCII = cp < 0x80 && length == 1
            }
            i += length
        }
        flush()
        guard changed else {   // nothing to normalize: split the input itself
            if !splitFast(input, sourceBase: sourceBase, into: &output) {
                reference.split(input, sourceBase: sourceBase, into: &output)
            }
            return
        }
        let first = output.bytes.count
        let done = bytes.withUnsafeBufferPointer { splitFast($0, sourceBase: 0, into: &output) }
        guard done else {
            reference.split(input, sourceBase: sourceBase, into: &output)
            return
        }
        for k in first..<output.bytes.count {
            output.sourceStart[k] = starts[Int(output.sourceStart[k])]
            output.sourceEnd[k] = ends[Int(output.sourceEnd[k]) - 1]
        }
    }

    /// The fused loop. Returns false (leaving `output` as it was) when the input needs NFD
    /// reordering across scalars.
    private func splitFast(_ input: UnsafeBufferPointer<UInt8>, sourceBase: Int32,
                           into output: inout PreTokenizedText) -> Bool {
        guard let source = input.baseAddress, input.count > 0 else { return true }
        // Take the arrays out of `output` so we can write through pointers without copying.
        var bytes: [UInt8] = [], starts: [Int32] = [], ends: [Int32] = [], words: [PreTokenizedText.Word] = []
        swap(&bytes, &output.bytes); swap(&starts, &output.sourceStart)
        swap(&ends, &output.sourceEnd); swap(&words, &output.words)
        defer {
            swap(&bytes, &output.bytes); swap(&starts, &output.sourceStart)
            swap(&ends, &output.sourceEnd); swap(&words, &output.words)
        }
        let first = bytes.count, firstWord = words.count
        // Room for the input plus slack; the loop asks for more only when a scalar expands.
        var room = input.count + Cursor.slack
        Self.grow(&bytes, &starts, &ends, by: room)
        var cursor = Cursor(position: first)
        var status = Status.needsRoom
        while status == .needsRoom {
            bytes.withUnsafeMutableBufferPointer { b in
                starts.withUnsafeMutableBufferPointer { s in
                    ends.withUnsafeMutableBufferPointer { e in
                        status = Self.run(source, count: input.count, sourceBase: sourceBase, table: table,
                                          out: Output(bytes: b.baseAddress!, starts: s.baseAddress!,
                                                      ends: e.baseAddress!, limit: b.count),
                                          cursor: &cursor, words: &words)
                    }
                }
            }
            if status == .needsRoom {
                let more = room
                Self.grow(&bytes, &starts, &ends, by: more)
                room += more
            }
        }
        let keep = status == .done ? cursor.position : first
        bytes.removeLast(bytes.count - keep)
        starts.removeLast(starts.count - keep)
        ends.removeLast(ends.count - keep)
        if status != .done { words.removeLast(words.count - firstWord) }
        return status == .done
    }

    /// Zeroes to append from: `append(contentsOf:)` of a buffer is one memcpy even in debug builds.
    private static let zeros = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        .initializeMemory(as: UInt8.self, repeating: 0, count: 1 << 20)

    private static func grow(_ bytes: inout [UInt8], _ starts: inout [Int32], _ ends: inout [Int32], by count: Int) {
        var left = count
        while left > 0 {
            let k = min(left, 1 << 18)
            bytes.append(contentsOf: UnsafeBufferPointer(start: zeros, count: k))
            zeros.withMemoryRebound(to: Int32.self, capacity: k) { z in
                starts.append(contentsOf: UnsafeBufferPointer(start: z, count: k))
                ends.append(contentsOf: UnsafeBufferPointer(start: z, count: k))
            }
            left -= k
        }
    }

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
        @inline(__always) mutating func copy(_ from: UnsafePointer<UInt8>, length: Int, start: Int32, end: Int32,
                                             _ out: Output) {
            for k in 0..<length { put(from[k], start: start, end: end, out) }
        }

        @inline(__always) mutating func encode(_ cp: UInt32, start: Int32, end: Int32, _ out: Output) {
            let n = UTF8Decoding.encode(cp, into: out.bytes + position)
            for k in 0..<n { out.starts[position + k] = start; out.ends[position + k] = end }
            position += n
        }

        /// Emits one output scalar of the given split class (word, space, isolated).
        @inline(__always) mutating func emit(_ cp: UInt32, splitClass: UInt64, start: Int32, end: Int32,
                                             _ out: Output, words: inout [PreTokenizedText.Word]) {
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
    private static func run(_ source: UnsafePointer<UInt8>, count n: Int, sourceBase: Int32, table: ScalarTable,
                            out: Output, cursor: inout Cursor, words: inout [PreTokenizedText.Word]) -> Status {
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
                    break   // deleted by clean_text: not in the NFD stream either
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
                if !valid {   // an invalid byte (U+FFFD kept): 3 bytes out for 1 in
                    if out.limit - c.position - 3 < n - i - 1 + Cursor.slack { return .needsRoom }
                    cp = 0xFFFD; length = 1
                }
                switch entry & 3 {
                case ScalarTable.classWord:
                    c.beginScalar()
                    if valid { c.copy(source + i, length: length, start: start, end: end, out) } else {
                        c.encode(cp, start: start, end: end, out)
                    }
                case ScalarTable.classSpace:
                    c.closeWord(&words)
                default:
                    c.closeWord(&words); c.beginScalar()
                    if valid { c.copy(source + i, length: length, start: start, end: end, out) } else {
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
                    c.emit(piece & 0xFFFFFF, splitClass: UInt64(piece >> 24), start: start, end: end, out, words: &words)
                }
            }
            c.lastClass = entry >> 16 & 0xFF
            c.input = i + length
        }
        c.closeWord(&words)
        return .done
    }
}

extension UnicodeProperties {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [NormalizerOptions.UnicodeBehaviour: UnicodeProperties] = [:]

    /// One instance per mode: the reference overlay costs a megabyte and some milliseconds.
    static func shared(unicode: NormalizerOptions.UnicodeBehaviour) throws -> UnicodeProperties {
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[unicode] { return cached }
        let properties = try UnicodeProperties(unicode: unicode)
        cache[unicode] = properties
        return properties
    }
}
