// `prep mask`, `prep stream` and `prep train` name a masking strategy the same way, so
// one parser and one printer serve them all (and the `ngram:N` a run stored in its
// checkpoint reads back through the same parser). The manifest keeps its own spelling,
// `description` (`ngram-3`): it is part of a file format that existing datasets carry,
// and `prep mask`'s resume compares it.

extension MaskingStrategy {
    /// Every command-line spelling, for help texts and error messages.
    public static let spellings = "token, whole-word, span or ngram:N"

    /// Reads a command-line spelling: `token`, `whole-word`, `span`, or `ngram:N` with a
    /// whole number N of at least 1.
    public init(parsing spelling: String) throws {
        switch spelling {
        case "token": self = .token
        case "whole-word": self = .wholeWord
        case "span": self = .span
        default:
            guard spelling.hasPrefix("ngram:") else { throw MaskingStrategyError(spelling: spelling) }
            let count = spelling.dropFirst("ngram:".count)
            guard let n = Int(count), n >= 1 else {
                throw MaskingStrategyError(
                    spelling: spelling, detail: "ngram:N needs a whole number N of at least 1, got '\(count)'")
            }
            self = .ngram(maxN: n)
        }
    }

    /// The command-line spelling, which `init(parsing:)` reads back. Only n-grams are spelled
    /// differently in the manifest.
    public var spelling: String {
        if case let .ngram(n) = self { return "ngram:\(n)" }
        return description
    }
}

/// A masking strategy spelled in a way no command accepts.
public struct MaskingStrategyError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was given.
    public let spelling: String
    public let description: String

    init(spelling: String, detail: String? = nil) {
        self.spelling = spelling
        if let detail {
            description = detail
        } else if spelling.hasPrefix("ngram-"), let n = Int(spelling.dropFirst("ngram-".count)) {
            // The manifest's spelling, copied onto the command line.
            description = "'\(spelling)' is not a masking strategy (\(MaskingStrategy.spellings)); write ngram:\(n)"
        } else {
            description = "'\(spelling)' is not a masking strategy (\(MaskingStrategy.spellings))"
        }
    }
}
