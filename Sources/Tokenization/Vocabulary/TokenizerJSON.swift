// Reads the parts of an HF `tokenizer.json` that a BERT WordPiece pipeline uses:
// `model` (WordPiece vocab and settings), `added_tokens`, and a `BertNormalizer`.
// The strict JSON reader keeps tokens as bytes: vocabularies such as mBERT's hold tokens that
// are distinct bytes but canonically equivalent `String`s (U+2329 and U+3008), which a
// `String`-keyed dictionary would merge. Every error names its byte position.

struct TokenizerJSON {
    var tokens: [String]
    var addedTokens: [AddedToken]
    var wordPiece: WordPieceSettings
    var normalizer: NormalizerOptions?

    static func parse(_ bytes: [UInt8], path: String) throws -> TokenizerJSON {
        try bytes.withUnsafeBufferPointer { try parse($0, path: path) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, path: String) throws -> TokenizerJSON {
        func position(_ offset: Int) -> String {
            var line = 1, lineStart = 0
            for k in 0..<min(offset, bytes.count) where bytes[k] == 10 {
                line += 1
                lineStart = k + 1
            }
            return "byte \(offset) (line \(line), column \(offset - lineStart + 1))"
        }
        func fail(_ detail: String, at value: JSONValue) -> TokenizationError {
            .vocabulary(path: path, detail: "\(position(value.offset)): \(detail)")
        }
        // serde_json, which HF reads it with, requires UTF-8: so do we, before any token is a String.
        if let bad = UTF8Repair.firstInvalidOffset(bytes) {
            throw TokenizationError.vocabulary(path: path, detail: "\(position(bad)): not valid UTF-8")
        }
        let root: JSONValue
        do { root = try JSONValue.parse(bytes) } catch let e as StrictJSONError {
            throw TokenizationError.vocabulary(
                path: path, detail: "byte \(e.offset) (line \(e.line), column \(e.column)): not valid JSON: \(e.detail)"
            )
        }
        guard let model = root["model"], case .object = model.kind else {
            throw fail("tokenizer.json has no \"model\" object", at: root)
        }
        if let type = model["type"], type.string != "WordPiece" {
            throw fail("model type \(type.string.map(\.debugDescription) ?? type.kindName) is not WordPiece", at: type)
        }
        guard let vocab = model["vocab"], case let .object(entries) = vocab.kind else {
            throw fail("model has no \"vocab\" object", at: model)
        }

        var settings = WordPieceSettings()
        if let u = model["unk_token"]?.string { settings.unknownToken = u }
        if let p = model["continuing_subword_prefix"]?.string { settings.continuationPrefix = p }
        if let m = model["max_input_chars_per_word"]?.integer { settings.maxInputCharsPerWord = Int(m) }

        // A key given twice keeps its last value (serde_json into a HashMap, like Python's json).
        var last: [[UInt8]: Int] = [:]
        last.reserveCapacity(entries.count)
        for (k, e) in entries.enumerated() { last[e.key] = k }
        let count = last.count
        // Ids are dense 0..<n in every real WordPiece tokenizer.json; a gap would leave an id
        // without a token, which the reference tolerates but nothing downstream can use.
        var tokens = [String?](repeating: nil, count: count)
        for (k, e) in entries.enumerated() where last[e.key] == k {
            let token = String(decoding: e.key, as: UTF8.self)
            guard let id = e.value.integer, id >= 0, id < count else {
                throw fail(
                    "vocab entry \(token.debugDescription) has id \(describe(e.value)), outside 0..<\(count)",
                    at: e.value)
            }
            if let other = tokens[Int(id)] {
                throw fail(
                    "id \(id) is given to both \(other.debugDescription) and \(token.debugDescription)", at: e.value)
            }
            tokens[Int(id)] = token
        }

        var added: [AddedToken] = []
        if let list = root["added_tokens"], !list.isNull {
            guard case let .array(items) = list.kind else { throw fail("\"added_tokens\" is not an array", at: list) }
            for entry in items {
                guard let content = entry["content"]?.string, let id = entry["id"]?.integer, id >= 0, id <= Int32.max
                else { throw fail("added_tokens entry without content/id", at: entry) }
                // Only raw-text matching (normalized: false, no strip/single-word rules) is
                // implemented; refuse rather than silently tokenize differently from the reference.
                for flag in ["normalized", "lstrip", "rstrip", "single_word"] where entry[flag]?.bool == true {
                    throw fail(
                        "added token \(content.debugDescription) has \(flag): true, which is not supported", at: entry)
                }
                let i = Int(id)
                // Ids are dense, so an added token lies at most past the model vocab plus the
                // added tokens; a larger id is refused before it sizes an array (found by fuzzing:
                // id 333333332 asked for 5 GB).
                guard i < tokens.count + items.count else {
                    throw fail(
                        "added token \(content.debugDescription) has id \(id), which leaves ids without a token (\(tokens.count) in the model vocab, \(items.count) added)",
                        at: entry)
                }
                if i >= tokens.count {
                    tokens.append(contentsOf: [String?](repeating: nil, count: i + 1 - tokens.count))
                }
                if tokens[i] == nil { tokens[i] = content }
                added.append(AddedToken(content: content, id: Int32(id), special: entry["special"]?.bool ?? false))
            }
        }
        if let gap = tokens.firstIndex(where: { $0 == nil }) { throw fail("no token has id \(gap)", at: vocab) }

        var normalizer: NormalizerOptions?
        if let n = root["normalizer"], !n.isNull {
            guard n["type"]?.string == "BertNormalizer" else {
                let type = n["type"].map { $0.string.map(\.debugDescription) ?? $0.kindName } ?? "?"
                throw fail("normalizer type \(type) is not BertNormalizer", at: n)
            }
            var o = NormalizerOptions()
            if let v = n["clean_text"]?.bool { o.cleanText = v }
            if let v = n["handle_chinese_chars"]?.bool { o.handleChineseChars = v }
            if let v = n["lowercase"]?.bool { o.lowercase = v }
            o.stripAccents = n["strip_accents"]?.bool
            normalizer = o
        }
        return TokenizerJSON(
            tokens: tokens.map { $0! }, addedTokens: added, wordPiece: settings, normalizer: normalizer)
    }

    private static func describe(_ v: JSONValue) -> String {
        switch v.kind {
        case let .number(d, integer): return integer.map(String.init) ?? String(d)
        case let .string(b): return String(decoding: b, as: UTF8.self).debugDescription
        default: return v.kindName
        }
    }
}
