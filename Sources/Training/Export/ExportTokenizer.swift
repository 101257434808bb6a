import Foundation

/// The tokenizer files an export carries: the vocabulary (token id = position) and the
/// BertNormalizer settings the data was tokenized with. Training does not parse tokenizer
/// files itself; `prep export` reads the vocabulary (vocab.txt or tokenizer.json) with the
/// Tokenization module and hands over the tokens and the `tokenizer.json` bytes it writes.
public struct ExportTokenizer: Sendable {
    /// Where the vocabulary came from, for messages.
    public var source: String
    public var tokens: [String]
    public var lowercase: Bool
    /// `nil` follows `lowercase`, as BertNormalizer does.
    public var stripAccents: Bool?
    public var handleChineseChars: Bool
    /// The HF `tokenizer.json` to write beside the weights; `nil` writes none.
    public var tokenizerJSON: Data?

    public init(
        source: String, tokens: [String], lowercase: Bool = true, stripAccents: Bool? = nil,
        handleChineseChars: Bool = true, tokenizerJSON: Data? = nil
    ) {
        self.source = source; self.tokens = tokens; self.lowercase = lowercase
        self.stripAccents = stripAccents; self.handleChineseChars = handleChineseChars
        self.tokenizerJSON = tokenizerJSON
    }

    /// A `vocab.txt` (one token per line), without a tokenizer.json: for callers that have
    /// no tokenizer (tests).
    public init(vocabularyText path: String, lowercase: Bool = true) throws {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw TrainingError.badConfig(path, "cannot read the vocabulary")
        }
        guard let text = String(data: d, encoding: .utf8) else {
            throw TrainingError.badConfig(path, "vocabulary is not valid UTF-8")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        lines = lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        self.init(source: path, tokens: lines, lowercase: lowercase)
    }

    /// Exactly `size` tokens, none twice (compared by UTF-8 bytes, as the tokenizer does):
    /// a duplicate would give one token two ids, and HF keeps only the last.
    func validate(size: Int) throws {
        guard tokens.count == size else {
            throw TrainingError.badConfig(source, "vocabulary has \(tokens.count) entries, the model \(size)")
        }
        var seen: [[UInt8]: Int] = [:]
        seen.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() {
            if let first = seen.updateValue(i, forKey: Array(t.utf8)) {
                throw TrainingError.badConfig(
                    source, "line \(i + 1): token \(t.debugDescription) duplicates line \(first + 1)")
            }
        }
    }

    /// `vocab.txt` as BertTokenizer reads it: one token per line, bytes as they are.
    var vocabularyText: Data {
        var out = Data()
        for t in tokens {
            out.append(contentsOf: Array(t.utf8))
            out.append(10)
        }
        return out
    }
}
