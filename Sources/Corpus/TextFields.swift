// Which members of a JSONL object hold a document's text (`--text-field`). Megatron's
// `--json-keys` makes each key a separate dataset; here several keys make one document
// (title and body, say), the fields in the order given, separated by a blank line.

import Tokenization

/// The JSONL members a document's text is read from: dotted paths into nested objects.
public struct TextFields: Sendable, Hashable {
    public let paths: [String]
    /// Each path's keys as UTF-8, split once rather than on every line.
    let components: [[[UInt8]]]

    /// The `"text"` member, what JSONL corpora (and HF datasets) use.
    public static let `default` = TextFields(validated: ["text"])

    /// Throws `TokenizationError.input` for an empty list or an empty path component.
    public init(_ paths: [String]) throws {
        guard !paths.isEmpty else {
            throw TokenizationError.input(path: "--text-field", detail: "give at least one key")
        }
        guard paths.count <= StrictJSON.maxPaths else {
            throw TokenizationError.input(
                path: "--text-field", detail: "at most \(StrictJSON.maxPaths) keys (\(paths.count) given)")
        }
        for p in paths where p.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            throw TokenizationError.input(
                path: "--text-field", detail: "\"\(p)\" has an empty key (dotted paths: meta.body)")
        }
        self.init(validated: paths)
    }

    private init(validated paths: [String]) {
        self.paths = paths
        components = paths.map { $0.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) } }
    }

    /// The manifest's spelling.
    var description: String { paths.joined(separator: ",") }
}
