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
    /// the fast path over the result, then source offsets mapped back to the input.
    private func splitPreNormalized(_ input: UnsafeBufferPointer<UInt8>, sourceBase: Int32,
                                    into output: inout PreTokenizedText) {
        let text = PreNormalizer(form: options.preNormalization, properties: properties)
            .normalize(UTF8Decoding.scalars(of: input, sourceBase: sourceBase))
        var bytes: [UInt8] = [], starts: [Int32] = [], ends: [Int32] = []
        bytes.reserveCapacity(text.count * 2)
        for s in text {
            for b in UTF8Decoding.encode(s.value) { bytes.append(b); starts.append(s.start); ends.append(s.end) }
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
        let reserve = input.count * table.maxExpansion
        bytes.append(contentsOf: repeatElement(0, count: reserve))
        starts.append(contentsOf: repeatElement(0, count: reserve))
        ends.append(contentsOf: repeatElement(0, count: reserve))

        var written = first
        var ok = true
        bytes.withUnsafeMutableBufferPointer { b in
            starts.withUnsafeMutableBufferPointer { s in
                ends.withUnsafeMutableBufferPointer { e in
                    var cursor = Cursor(bytes: b.baseAddress!, starts: s.baseAddress!, ends: e.baseAddress!, position: first)
                    ok = Self.run(source, count: input.count, sourceBase: sourceBase, table: table,
                                  cursor: &cursor, words: &words)
                    written = cursor.position
                }
            }
        }
        if ok {
            bytes.removeLast(bytes.count - written)
            starts.removeLast(starts.count - written)
            ends.removeLast(ends.count - written)
        } else {
            bytes.removeLast(bytes.count - first)
            starts.removeLast(starts.count - first)
            ends.removeLast(ends.count - first)
            words.removeLast(words.count - firstWord)
        }
        return ok
    }

    /// Where the next output byte goes and the word being built.
    struct Cursor {
        let bytes: UnsafeMutablePointer<UInt8>
        let starts: UnsafeMutablePointer<Int32>
        let ends: UnsafeMutablePointer<Int32>
        var position: Int
        var wordStart = -1
        var scalars: Int32 = 0

        init(bytes: UnsafeMutablePointer<UInt8>, starts: UnsafeMutablePointer<Int32>,
             ends: UnsafeMutablePointer<Int32>, position: Int) {
            self.bytes = bytes; self.starts = starts; self.ends = ends; self.position = position
        }

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

        /// Copies `length` input bytes unchanged.
        @inline(__always) mutating func copy(_ from: UnsafePointer<UInt8>, length: Int, start: Int32, end: Int32) {
            for k in 0..<length {
                bytes[position + k] = from[k]; starts[position + k] = start; ends[position + k] = end
            }
            position += length
        }

        @inline(__always) mutating func encode(_ cp: UInt32, start: Int32, end: Int32) {
            let n = UTF8Decoding.encode(cp, into: bytes + position)
            for k in 0..<n { starts[position + k] = start; ends[position + k] = end }
            position += n
        }

        /// Emits one output scalar of the given split class (word, space, isolated).
        @inline(__always) mutating func emit(_ cp: UInt32, splitClass: UInt64, start: Int32, end: Int32,
                                             words: inout [PreTokenizedText.Word]) {
            switch splitClass {
            case ScalarTable.classWord:
                beginScalar(); encode(cp, start: start, end: end)
            case ScalarTable.classSpace:
                closeWord(&words)
            default:
                closeWord(&words); beginScalar(); encode(cp, start: start, end: end); closeWord(&words)
            }
        }
    }

    private static func run(_ source: UnsafePointer<UInt8>, count n: Int, sourceBase: Int32, table: ScalarTable,
                            cursor c: inout Cursor, words: inout [PreTokenizedText.Word]) -> Bool {
        let ascii = table.ascii
        let pool = table.pool
        var i = 0
        // Combining class of the last scalar of the NFD stream so far (0 when not stripping).
        var lastClass: UInt64 = 0
        while i < n {
            let b0 = source[i]
            if b0 < 0x80 {
                let e = ascii[Int(b0)]
                let start = sourceBase + Int32(i)
                switch e >> 8 {
                case 0:
                    c.beginScalar()
                    c.bytes[c.position] = UInt8(truncatingIfNeeded: e)
                    c.starts[c.position] = start; c.ends[c.position] = start + 1
                    c.position += 1
                    lastClass = 0
                case 1:
                    c.closeWord(&words); lastClass = 0
                case 2:
                    c.closeWord(&words); c.beginScalar()
                    c.bytes[c.position] = UInt8(truncatingIfNeeded: e)
                    c.starts[c.position] = start; c.ends[c.position] = start + 1
                    c.position += 1
                    c.closeWord(&words); lastClass = 0
                default:
                    break   // deleted by clean_text: not in the NFD stream either
                }
                i += 1
                continue
            }
            var (cp, length) = UTF8Decoding.decode(source, at: i, count: n)
            let valid = cp != 0xFFFD || length == 3
            let entry = table.entry(cp)
            let start = sourceBase + Int32(i), end = sourceBase + Int32(i + length)
            if entry == 0 && valid {
                c.beginScalar(); c.copy(source + i, length: length, start: start, end: end)
                lastClass = 0
                i += length
                continue
            }
            if entry & ScalarTable.deleted != 0 { i += length; continue }
            // NFD sorts adjacent non-starters by class: out of order here means reordering,
            // which the readable path does (the reference moves characters, not offsets).
            let firstClass = entry >> 8 & 0xFF
            if firstClass != 0 && lastClass > firstClass { return false }
            lastClass = entry >> 16 & 0xFF
            if entry & ScalarTable.replaced == 0 {
                if !valid { cp = 0xFFFD; length = 1 }
                switch entry & 3 {
                case ScalarTable.classWord:
                    c.beginScalar()
                    if valid { c.copy(source + i, length: length, start: start, end: end) } else {
                        c.encode(cp, start: start, end: end)
                    }
                case ScalarTable.classSpace:
                    c.closeWord(&words)
                default:
                    c.closeWord(&words); c.beginScalar()
                    if valid { c.copy(source + i, length: length, start: start, end: end) } else {
                        c.encode(cp, start: start, end: end)
                    }
                    c.closeWord(&words)
                }
            } else {
                let offset = Int(entry >> 32)
                let pieces = Int(pool[offset])
                for k in 0..<pieces {
                    let piece = pool[offset + 1 + k]
                    c.emit(piece & 0xFFFFFF, splitClass: UInt64(piece >> 24), start: start, end: end, words: &words)
                }
            }
            i += length
        }
        c.closeWord(&words)
        return true
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
