/// Errors of the tokenization stage. Every message names the file and, where there is
/// one, the position, so the CLI can print it as one line.
public enum TokenizationError: Error, CustomStringConvertible, Equatable {
    /// The vocabulary file is missing, unreadable, or malformed.
    case vocabulary(path: String, detail: String)
    /// The vocabulary lacks a token the requested encoding needs.
    case missingToken(path: String, token: String)
    /// Input bytes are not valid UTF-8 and `--on-invalid fail` was asked for.
    case invalidUTF8(path: String, byteOffset: Int)
    /// An input file is missing, unreadable or malformed (e.g. a JSONL line without "text").
    case input(path: String, detail: String)
    /// Writing the output failed (full disk, permissions, ...).
    case output(path: String, detail: String)

    public var description: String {
        switch self {
        case let .vocabulary(p, d): return "\(p): \(d)"
        case let .missingToken(p, t): return "\(p): vocabulary has no \(t) token"
        case let .invalidUTF8(p, o): return "\(p): invalid UTF-8 at byte offset \(o)"
        case let .input(p, d): return "\(p): \(d)"
        case let .output(p, d): return "\(p): \(d)"
        }
    }

    /// 2 for bad input or usage, 1 for a failure while running (the CLI convention).
    public var exitCode: Int32 {
        switch self {
        case .vocabulary, .missingToken, .invalidUTF8, .input: return 2
        case .output: return 1
        }
    }
}
