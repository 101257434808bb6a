import CICU
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
    let options: NormalizerOptions
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
    func splitUsingReferencePath(
        _ input: UnsafeBufferPointer<UInt8>, sourceBase: Int32 = 0,
        into output: inout PreTokenizedText
    ) {
        reference.split(input, sourceBase: sourceBase, into: &output)
    }

    private static func isASCII(_ input: UnsafeBufferPointer<UInt8>) -> Bool {
        var acc: UInt8 = 0
        for b in input { acc |= b }
        return acc < 0x80
    }

    /// The fused loop. Returns false (leaving `output` as it was) when the input needs NFD
    /// reordering across scalars.
    func splitFast(
        _ input: UnsafeBufferPointer<UInt8>, sourceBase: Int32,
        into output: inout PreTokenizedText
    ) -> Bool {
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
                        status = Self.run(
                            source, count: input.count, sourceBase: sourceBase, table: table,
                            out: Output(
                                bytes: b.baseAddress!, starts: s.baseAddress!,
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
