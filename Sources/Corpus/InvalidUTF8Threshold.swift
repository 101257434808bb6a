// How much invalid UTF-8 a text input may hold before it is refused rather than repaired
// (docs/tokenizer.md). A few stray bytes are normal in web text; a high rate means the
// file is binary or in another encoding, and repairing it would give noise with exit 0.
import Tokenization

public enum InvalidUTF8Threshold {
    /// The default `--max-invalid-utf8`: 1% of a file's bytes.
    public static let defaultFraction = 0.01

    /// The one-line refusal (after the file name).
    static func describe(invalidBytes: Int, of bytes: Int, allowed: Double) -> String {
        "\(invalidBytes) of \(bytes) bytes are not valid UTF-8, more than --max-invalid-utf8 \(allowed) allows "
            + "(binary data or another encoding? --max-invalid-utf8 1 repairs it anyway)"
    }

    /// Bytes of `p` that belong to no valid UTF-8 sequence.
    static func invalidByteCount(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        var from = 0
        while from < p.count, let bad = UTF8Repair.firstInvalidOffset(UnsafeBufferPointer(rebasing: p[from...])) {
            count += 1
            from += bad + 1
        }
        return count
    }
}
