// STUB (ASCII-correct only) until the ICU normalizer lands with the same signatures.

/// Normalizes UTF-8 text and splits it into words, with offsets into the input.
public final class BertTextSplitter: @unchecked Sendable {
    public let options: NormalizerOptions
    public init(options: NormalizerOptions) throws { self.options = options }

    /// Appends the words of `input` (valid UTF-8; callers replace invalid sequences
    /// with U+FFFD first) to `output`. `sourceBase` is added to every source offset.
    public func split(_ input: UnsafeBufferPointer<UInt8>, sourceBase: Int32 = 0, into output: inout PreTokenizedText) {
        var wordStart = -1
        func close() {
            if wordStart >= 0 {
                output.words.append(.init(start: Int32(wordStart), end: Int32(output.bytes.count),
                                          scalarCount: Int32(output.bytes.count - wordStart)))
                wordStart = -1
            }
        }
        for (i, b) in input.enumerated() {
            let isSpace = b == 32 || b == 9 || b == 10 || b == 13
            let isPunct = (33...47).contains(b) || (58...64).contains(b) || (91...96).contains(b) || (123...126).contains(b)
            if isSpace { close(); continue }
            if isPunct { close(); wordStart = output.bytes.count }
            if wordStart < 0 { wordStart = output.bytes.count }
            var c = b
            if options.lowercase, (65...90).contains(c) { c += 32 }
            output.bytes.append(c)
            output.sourceStart.append(sourceBase + Int32(i))
            output.sourceEnd.append(sourceBase + Int32(i) + 1)
            if isPunct { close() }
        }
        close()
    }
}
