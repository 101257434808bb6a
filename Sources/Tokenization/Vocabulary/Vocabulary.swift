// Loading follows HF `tokenizers` 0.23.3 (`WordPiece::read_file`, `BertWordPieceTokenizer`).
import Foundation

/// Ids of the special tokens BERT needs; `nil` where the vocabulary lacks one.
public struct SpecialTokenIDs: Sendable, Equatable {
    var unknown: UInt32
    public var classifier: UInt32?
    public var separator: UInt32?
    public var padding: UInt32?
    public var mask: UInt32?
    init(unknown: UInt32, classifier: UInt32?, separator: UInt32?, padding: UInt32?, mask: UInt32?) {
        self.unknown = unknown; self.classifier = classifier; self.separator = separator
        self.padding = padding; self.mask = mask
    }
}

/// A token matched verbatim in the raw text before normalization (HF "added token"
/// with `normalized: false`), e.g. `[CLS]` or `[MASK]` typed into the input.
public struct AddedToken: Sendable, Equatable {
    public var content: String
    public var id: Int32
    public var special: Bool
    public init(content: String, id: Int32, special: Bool) {
        self.content = content; self.id = id; self.special = special
    }
}

/// WordPiece model settings (`model` in `tokenizer.json`; BERT defaults for vocab.txt).
struct WordPieceSettings: Sendable, Equatable {
    /// BERT's unknown token, also what the vocabulary trainer must find among its special tokens.
    static let defaultUnknownToken = "[UNK]"
    var unknownToken = defaultUnknownToken
    var continuationPrefix = "##"
    var maxInputCharsPerWord = 100
    init() {}
}

/// A WordPiece vocabulary: token strings by id and ids by token.
public final class Vocabulary: @unchecked Sendable {
    /// The WordPiece unknown token of vocab.txt files ("[UNK]").
    public static let unknownToken = WordPieceSettings.defaultUnknownToken
    /// Token of each id. For `vocab.txt` the id is the line number; a token on several
    /// lines keeps every line here, but `id(for:)` answers the *last* one, as the
    /// reference's `HashMap::insert` does (see `duplicates`).
    public let tokens: [String]
    public let path: String
    public let special: SpecialTokenIDs
    /// Tokens matched in the raw text (the five BERT specials present in the vocabulary,
    /// or `added_tokens` of a `tokenizer.json`), longest first.
    let addedTokens: [AddedToken]
    let wordPiece: WordPieceSettings
    /// Normalizer settings from a `tokenizer.json` (`nil` for vocab.txt: callers choose).
    public let normalizer: NormalizerOptions?
    /// Tokens that occur more than once, with every line (0-based) they occur on.
    let duplicates: [(token: String, lines: [Int])]
    /// Ids by the token's UTF-8 bytes, not by `String`: Swift compares strings by canonical
    /// equivalence, so a precomposed and a decomposed "é" would be one key, while the reference
    /// (and any cased vocabulary trained on such text) keeps them as two tokens.
    private let index: [[UInt8]: Int32]
    private let continuationFlags: [Bool]
    private let specialFlags: [Bool]

    /// Loads `vocab.txt` (one token per line, id = line number) or an HF `tokenizer.json`
    /// (chosen by a `.json` extension). Throws `TokenizationError.vocabulary` naming the
    /// file when it is missing, unreadable, not UTF-8, or has no unknown token.
    public convenience init(path: String) throws {
        try self.init(fileBytes: try Self.readFile(path), path: path)
    }

    /// The bytes of a vocabulary file, or the error that names why it cannot be read.
    public static func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw TokenizationError.vocabulary(
                path: path, detail: exists ? "cannot read vocabulary file" : "vocabulary file not found")
        }
        return [UInt8](data)
    }

    /// Parses the bytes of a vocabulary file named `path` (the name picks the format), for
    /// callers that also hash the bytes they read.
    public convenience init(fileBytes bytes: [UInt8], path: String) throws {
        if path.hasSuffix(".json") {
            let parsed = try TokenizerJSON.parse(bytes, path: path)
            try self.init(
                tokens: parsed.tokens, path: path, addedTokens: parsed.addedTokens,
                wordPiece: parsed.wordPiece, normalizer: parsed.normalizer)
        } else {
            try self.init(tokens: Self.parseVocabText(bytes, path: path), path: path)
        }
    }

    /// A vocabulary from token strings (id = position); for tests and tools.
    /// `addedTokens == nil` selects the BERT specials present in `tokens`.
    init(
        tokens: [String], path: String = "<memory>",
        addedTokens: [AddedToken]? = nil, wordPiece: WordPieceSettings = WordPieceSettings(),
        normalizer: NormalizerOptions? = nil
    ) throws {
        self.tokens = tokens
        self.path = path
        self.wordPiece = wordPiece
        self.normalizer = normalizer
        var index: [[UInt8]: Int32] = [:]
        index.reserveCapacity(tokens.count)
        var firstLine: [[UInt8]: Int] = [:]
        var lines: [[UInt8]: [Int]] = [:]
        for (i, t) in tokens.enumerated() {
            let key = Array(t.utf8)
            if index.updateValue(Int32(i), forKey: key) != nil {
                lines[key, default: []].append(i)
            } else {
                firstLine[key] = i
            }
        }
        var dups: [(String, [Int])] = []
        for (key, later) in lines {
            let first = firstLine[key]!
            dups.append((tokens[first], [first] + later))
        }
        duplicates = dups.sorted { $0.1[0] < $1.1[0] }
        self.index = index
        guard let unk = index[Array(wordPiece.unknownToken.utf8)] else {
            throw TokenizationError.vocabulary(
                path: path, detail: "vocabulary has no unknown token \(wordPiece.unknownToken)")
        }
        // Ids are never negative; the model keeps Int32 internally (-1 marks "no id") and the
        // public face speaks UInt32, the one token-id type from the tokenizer to the trainer.
        let id = { (token: String) in index[Array(token.utf8)].map { UInt32($0) } }
        special = SpecialTokenIDs(
            unknown: UInt32(unk), classifier: id("[CLS]"), separator: id("[SEP]"),
            padding: id("[PAD]"), mask: id("[MASK]"))
        // BertWordPieceTokenizer adds each of these as a special token iff the vocabulary has it.
        let added =
            addedTokens
            ?? ["[SEP]", "[CLS]", "[PAD]", "[MASK]", "[UNK]"].compactMap { t in
                index[Array(t.utf8)].map { AddedToken(content: t, id: $0, special: true) }
            }
        self.addedTokens = added.sorted { $0.content.utf8.count > $1.content.utf8.count }
        let prefix = wordPiece.continuationPrefix
        continuationFlags = tokens.map { !prefix.isEmpty && $0.hasPrefix(prefix) }
        var specialFlags = tokens.map { $0.hasPrefix("[") && $0.hasSuffix("]") }
        for a in added where a.special && Int(a.id) < specialFlags.count { specialFlags[Int(a.id)] = true }
        self.specialFlags = specialFlags
    }

    public var count: Int { tokens.count }
    func id(for token: String) -> Int32? { index[Array(token.utf8)] }
    public func token(for id: UInt32) -> String { tokens[Int(id)] }
    /// True for `##` continuation pieces (they join the previous word in whole-word masking).
    public func isContinuation(_ id: UInt32) -> Bool { continuationFlags[Int(id)] }
    /// True for the special tokens ([CLS], [SEP], [PAD], [UNK], [MASK]) and `[unusedN]`-style
    /// bracketed tokens, which random replacement must never produce.
    public func isSpecial(_ id: UInt32) -> Bool { specialFlags[Int(id)] }

    /// One warning line for duplicate tokens, or `nil` when there are none.
    public var duplicateWarning: String? {
        guard let first = duplicates.first else { return nil }
        let lines = first.lines.map { String($0 + 1) }.joined(separator: ", ")
        return "warning: \(path): \(duplicates.count) duplicate token(s); the last line wins as in the reference "
            + "(first: \(first.token.debugDescription) on lines \(lines))"
    }

    /// `vocab.txt` as the reference reads it: split on `\n`, each line `trim_end`ed
    /// (so `\r` and trailing spaces go; leading spaces stay), empty lines are tokens,
    /// a final line without `\n` counts, invalid UTF-8 is an error.
    static func parseVocabText(_ bytes: [UInt8], path: String) throws -> [String] {
        var tokens: [String] = []
        var start = 0
        var line = 1
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 10 { end += 1 }
            guard let s = String(validating: bytes[start..<end], as: UTF8.self) else {
                throw TokenizationError.vocabulary(path: path, detail: "line \(line) is not valid UTF-8")
            }
            tokens.append(Self.trimEnd(s))
            start = end + 1
            line += 1
        }
        return tokens
    }

    /// Rust's `str::trim_end`: drops trailing White_Space characters.
    static func trimEnd(_ s: String) -> String {
        // Almost every line ends in an ASCII byte that is not White_Space (the ASCII ones are
        // 9...13 and 32): nothing to trim, and no scalar walk and copy (~15% of a vocab.txt load).
        if let last = s.utf8.last, last < 0x80, last != 32, !(9...13).contains(last) { return s }
        var scalars = Substring(s).unicodeScalars
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
