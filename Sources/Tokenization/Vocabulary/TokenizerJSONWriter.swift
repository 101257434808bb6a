// Writes an HF `tokenizers` `tokenizer.json` for a BERT WordPiece vocabulary, laid out as
// `transformers` converts a `BertTokenizer` into a fast one: BertNormalizer, BertPreTokenizer,
// WordPiece model, TemplateProcessing `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]`, WordPiece
// decoder. `AutoTokenizer.from_pretrained` reads it; `Vocabulary(path:)` reads it back.
import Foundation

public enum TokenizerJSONWriter {
    /// How `[CLS]`/`[SEP]` are added: `bertProcessing` as HF `tokenizers` saves a
    /// `BertWordPieceTokenizer` (its `save` writes no final newline), `templateProcessing` as
    /// `transformers` converts a `BertTokenizer` into a fast one (final newline).
    public enum PostProcessor: Sendable { case bertProcessing, templateProcessing }

    /// The bytes of `tokenizer.json` for `vocabulary` (token id = position) with `normalizer`'s
    /// BertNormalizer settings, in the `transformers` layout. Token strings are copied byte for
    /// byte: only `"`, `\` and control characters are escaped, so no Unicode normalization or `\u`
    /// rewriting can turn one token into another (Foundation's JSON writer would compare keys as
    /// Swift strings, which merges canonically equivalent tokens). Our-only settings (`unicode`,
    /// `preNormalization`) have no BertNormalizer field and are not written.
    public static func bytes(for vocabulary: Vocabulary, normalizer: NormalizerOptions) -> [UInt8] {
        let w = vocabulary.wordPiece
        let special = vocabulary.special
        func named(_ id: UInt32?) -> (token: String, id: Int)? { id.map { (vocabulary.token(for: $0), Int($0)) } }
        return bytes(
            tokens: vocabulary.tokens,
            addedTokens: vocabulary.addedTokens,
            normalizer: normalizer, continuationPrefix: w.continuationPrefix, unknownToken: w.unknownToken,
            maxInputCharsPerWord: w.maxInputCharsPerWord,
            classifier: named(special.classifier), separator: named(special.separator),
            postProcessor: .templateProcessing)
    }

    /// The bytes of `tokenizer.json` from its parts; the post-processor is written only when
    /// both `classifier` and `separator` are given.
    public static func bytes(
        tokens: [String], addedTokens: [AddedToken], normalizer: NormalizerOptions,
        continuationPrefix: String, unknownToken: String, maxInputCharsPerWord: Int,
        classifier: (token: String, id: Int)?, separator: (token: String, id: Int)?,
        postProcessor: PostProcessor
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(tokens.reduce(64 * 1024) { $0 + $1.utf8.count + 16 })
        func put(_ s: String) { out += s.utf8 }
        func string(_ s: String) { appendJSONString(s, to: &out) }

        put("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [")
        for (k, a) in addedTokens.sorted(by: { $0.id < $1.id }).enumerated() {
            put(
                k == 0
                    ? "\n    {\n      \"id\": \(a.id),\n      \"content\": "
                    : ",\n    {\n      \"id\": \(a.id),\n      \"content\": ")
            string(a.content)
            put(",\n      \"single_word\": false,\n      \"lstrip\": false,\n      \"rstrip\": false,\n")
            put("      \"normalized\": false,\n      \"special\": \(a.special)\n    }")
        }
        put(addedTokens.isEmpty ? "],\n" : "\n  ],\n")

        let strip = normalizer.stripAccents.map { String($0) } ?? "null"
        put("  \"normalizer\": {\n    \"type\": \"BertNormalizer\",\n    \"clean_text\": \(normalizer.cleanText),\n")
        put("    \"handle_chinese_chars\": \(normalizer.handleChineseChars),\n    \"strip_accents\": \(strip),\n")
        put("    \"lowercase\": \(normalizer.lowercase)\n  },\n")
        put("  \"pre_tokenizer\": {\n    \"type\": \"BertPreTokenizer\"\n  },\n")

        switch (classifier, separator, postProcessor) {
        case let ((c, cls)?, (s, sep)?, .bertProcessing):
            put("  \"post_processor\": {\n    \"type\": \"BertProcessing\",\n    \"sep\": [\n      ")
            string(s)
            put(",\n      \(sep)\n    ],\n    \"cls\": [\n      ")
            string(c)
            put(",\n      \(cls)\n    ]\n  },\n")
        case let ((c, cls)?, (s, sep)?, .templateProcessing):
            func special(_ token: String, _ type: Int) {
                put("      {\n        \"SpecialToken\": {\n          \"id\": ")
                string(token)
                put(",\n          \"type_id\": \(type)\n        }\n      }")
            }
            func sequence(_ name: String, _ type: Int) {
                put(
                    "      {\n        \"Sequence\": {\n          \"id\": \"\(name)\",\n          \"type_id\": \(type)\n        }\n      }"
                )
            }
            put("  \"post_processor\": {\n    \"type\": \"TemplateProcessing\",\n    \"single\": [\n")
            special(c, 0); put(",\n"); sequence("A", 0); put(",\n"); special(s, 0)
            put("\n    ],\n    \"pair\": [\n")
            special(c, 0); put(",\n"); sequence("A", 0); put(",\n"); special(s, 0); put(",\n")
            sequence("B", 1); put(",\n"); special(s, 1)
            put("\n    ],\n    \"special_tokens\": {\n")
            for (k, (token, id)) in [(c, cls), (s, sep)].enumerated() {
                put("      "); string(token); put(": {\n        \"id\": "); string(token)
                put(",\n        \"ids\": [\n          \(id)\n        ],\n        \"tokens\": [\n          ")
                string(token)
                put(k == 0 ? "\n        ]\n      },\n" : "\n        ]\n      }\n")
            }
            put("    }\n  },\n")
        default:
            put("  \"post_processor\": null,\n")
        }

        put("  \"decoder\": {\n    \"type\": \"WordPiece\",\n    \"prefix\": ")
        string(continuationPrefix)
        put(",\n    \"cleanup\": true\n  },\n")
        put("  \"model\": {\n    \"type\": \"WordPiece\",\n    \"unk_token\": ")
        string(unknownToken)
        put(",\n    \"continuing_subword_prefix\": ")
        string(continuationPrefix)
        put(",\n    \"max_input_chars_per_word\": \(maxInputCharsPerWord),\n    \"vocab\": {")
        for (id, t) in tokens.enumerated() {
            put(id == 0 ? "\n      " : ",\n      ")
            string(t)
            put(": \(id)")
        }
        put(tokens.isEmpty ? "}\n  }\n}" : "\n    }\n  }\n}")
        if postProcessor == .templateProcessing { put("\n") }
        return out
    }

    /// A JSON string literal of `s`'s UTF-8 bytes, escaping only what JSON requires.
    public static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [92, 34]
            case UInt8(ascii: "\\"): out += [92, 92]
            case 10: out += [92, 110]
            case 13: out += [92, 114]
            case 9: out += [92, 116]
            case 0..<32: out += [92, 117, 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
