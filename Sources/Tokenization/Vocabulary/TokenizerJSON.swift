// Reads the parts of an HF `tokenizer.json` that a BERT WordPiece pipeline uses:
// `model` (WordPiece vocab and settings), `added_tokens`, and a `BertNormalizer`.
import Foundation

struct TokenizerJSON {
    var tokens: [String]
    var addedTokens: [AddedToken]
    var wordPiece: WordPieceSettings
    var normalizer: NormalizerOptions?

    static func parse(_ bytes: [UInt8], path: String) throws -> TokenizerJSON {
        func fail(_ detail: String) -> TokenizationError { .vocabulary(path: path, detail: detail) }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
            throw fail("not valid JSON: \(error.localizedDescription)")
        }
        guard let object = root as? [String: Any], let model = object["model"] as? [String: Any] else {
            throw fail("tokenizer.json has no \"model\" object")
        }
        guard (model["type"] as? String) ?? "WordPiece" == "WordPiece" else {
            throw fail("model type \(model["type"] ?? "?") is not WordPiece")
        }
        // The vocab's keys are read as bytes (JSONMemberScanner): as `[String: Any]` keys,
        // canonically equivalent tokens would merge. A key given twice keeps its last id, as serde's map does.
        guard model["vocab"] is [String: Any],
            let members = JSONMemberScanner.members(of: bytes, at: ["model", "vocab"])
        else { throw fail("model has no \"vocab\" object") }
        var last: [[UInt8]: Int] = [:]
        for (k, m) in members.enumerated() { last[m.key] = k }

        var settings = WordPieceSettings()
        if let u = model["unk_token"] as? String { settings.unknownToken = u }
        if let p = model["continuing_subword_prefix"] as? String { settings.continuationPrefix = p }
        if let m = model["max_input_chars_per_word"] as? Int { settings.maxInputCharsPerWord = m }

        // Ids are dense 0..<n in every real WordPiece tokenizer.json; a gap would leave an id
        // without a token, which the reference tolerates but nothing downstream can use.
        var tokens = [String?](repeating: nil, count: last.count)
        for (k, m) in members.enumerated() where last[m.key] == k {
            let token = String(decoding: m.key, as: UTF8.self)
            guard let id = m.value, id >= 0, id < last.count else {
                let value = m.value.map(String.init) ?? "that is not an integer"
                throw fail("vocab entry \(token.debugDescription) has id \(value), outside 0..<\(last.count)")
            }
            if let other = tokens[id] {
                throw fail("id \(id) is given to both \(other.debugDescription) and \(token.debugDescription)")
            }
            tokens[id] = token
        }

        var added: [AddedToken] = []
        for case let entry as [String: Any] in (object["added_tokens"] as? [Any]) ?? [] {
            guard let content = entry["content"] as? String, let id = (entry["id"] as? NSNumber)?.intValue else {
                throw fail("added_tokens entry without content/id")
            }
            // Only raw-text matching (normalized: false, no strip/single-word rules) is
            // implemented; refuse rather than silently tokenize differently from the reference.
            for flag in ["normalized", "lstrip", "rstrip", "single_word"] where (entry[flag] as? Bool) == true {
                throw fail("added token \(content.debugDescription) has \(flag): true, which is not supported")
            }
            if id >= tokens.count { tokens.append(contentsOf: [String?](repeating: nil, count: id + 1 - tokens.count)) }
            if tokens[id] == nil { tokens[id] = content }
            added.append(AddedToken(content: content, id: Int32(id), special: (entry["special"] as? Bool) ?? false))
        }
        if let gap = tokens.firstIndex(where: { $0 == nil }) { throw fail("no token has id \(gap)") }

        var normalizer: NormalizerOptions?
        if let n = object["normalizer"] as? [String: Any] {
            guard n["type"] as? String == "BertNormalizer" else {
                throw fail("normalizer type \(n["type"] ?? "?") is not BertNormalizer")
            }
            var o = NormalizerOptions()
            if let v = n["clean_text"] as? Bool { o.cleanText = v }
            if let v = n["handle_chinese_chars"] as? Bool { o.handleChineseChars = v }
            if let v = n["lowercase"] as? Bool { o.lowercase = v }
            o.stripAccents = n["strip_accents"] as? Bool
            normalizer = o
        }
        return TokenizerJSON(
            tokens: tokens.map { $0! }, addedTokens: added, wordPiece: settings, normalizer: normalizer)
    }
}
