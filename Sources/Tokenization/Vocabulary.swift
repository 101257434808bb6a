// CONTRACT STUB (owned by the wordpiece helper, who replaces the body and adds
// tokenizer.json loading, duplicate handling and errors; public API stays).
import Foundation

/// Ids of the special tokens BERT needs; `nil` where the vocabulary lacks one.
public struct SpecialTokenIDs: Sendable, Equatable {
    public var unknown: Int32
    public var classifier: Int32?
    public var separator: Int32?
    public var padding: Int32?
    public var mask: Int32?
    public init(unknown: Int32, classifier: Int32?, separator: Int32?, padding: Int32?, mask: Int32?) {
        self.unknown = unknown; self.classifier = classifier; self.separator = separator
        self.padding = padding; self.mask = mask
    }
}

/// A WordPiece vocabulary: token strings by id and ids by token.
public final class Vocabulary: @unchecked Sendable {
    public let tokens: [String]
    public let path: String
    private let index: [String: Int32]
    public let special: SpecialTokenIDs

    /// Loads `vocab.txt` (one token per line, id = line number) or an HF `tokenizer.json`.
    public init(path: String) throws {
        self.path = path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        tokens = lines
        var index: [String: Int32] = [:]
        for (i, t) in lines.enumerated() { index[t] = Int32(i) }
        self.index = index
        special = SpecialTokenIDs(unknown: index["[UNK]"] ?? 0, classifier: index["[CLS]"], separator: index["[SEP]"],
                                  padding: index["[PAD]"], mask: index["[MASK]"])
    }

    public var count: Int { tokens.count }
    public func id(for token: String) -> Int32? { index[token] }
    public func token(for id: Int32) -> String { tokens[Int(id)] }
    /// True for `##` continuation pieces (they join the previous word in whole-word masking).
    public func isContinuation(_ id: Int32) -> Bool { tokens[Int(id)].hasPrefix("##") }
    /// True for the special tokens ([CLS], [SEP], [PAD], [UNK], [MASK]) and `[unusedN]`-style
    /// bracketed tokens, which random replacement must never produce.
    public func isSpecial(_ id: Int32) -> Bool {
        let t = tokens[Int(id)]
        return t.hasPrefix("[") && t.hasSuffix("]")
    }
}
