import Foundation
import Tokenization

/// The files `prep vocab` writes: `vocab.txt` (one token per line, id = line number, as HF's
/// `WordPiece::save`) and a `tokenizer.json` laid out as HF `tokenizers` 0.23.3 saves a
/// `BertWordPieceTokenizer` loaded from that vocab.txt with the same normalizer options (the
/// special tokens as added tokens, BertProcessing when [CLS] and [SEP] are among them).
/// Each is written under a temporary name, fsynced and renamed, so a file under its final
/// name is complete.
enum VocabularyFiles {
    static let vocabularyName = "vocab.txt"
    static let tokenizerName = "tokenizer.json"

    static func vocabularyText(_ tokens: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for t in tokens { out += t.utf8; out.append(10) }
        return out
    }

    static func tokenizerJSON(
        tokens: [String], specialTokens: [String], normalizer: NormalizerOptions,
        prefix: String, unknownToken: String
    ) -> [UInt8] {
        func json(_ s: String) -> String { String(decoding: EncodeJob.jsonString(s), as: UTF8.self) }
        // Training puts the special tokens first, each once.
        var ids: [String: Int] = [:]
        let wanted = Set(specialTokens.map { Array($0.utf8) })
        for (id, t) in tokens.prefix(specialTokens.count).enumerated()
        where wanted.contains(Array(t.utf8)) && ids[t] == nil {
            ids[t] = id
        }
        var seen = Set<[UInt8]>()
        let added = specialTokens.filter { seen.insert(Array($0.utf8)).inserted && ids[$0] != nil }
            .sorted { ids[$0]! < ids[$1]! }
        var s = "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": ["
        for (k, t) in added.enumerated() {
            s += k == 0 ? "\n" : ",\n"
            s += "    {\n      \"id\": \(ids[t]!),\n      \"content\": \(json(t)),\n      \"single_word\": false,\n"
            s +=
                "      \"lstrip\": false,\n      \"rstrip\": false,\n      \"normalized\": false,\n      \"special\": true\n    }"
        }
        s += added.isEmpty ? "],\n" : "\n  ],\n"
        let strip = normalizer.stripAccents.map { String($0) } ?? "null"
        s += "  \"normalizer\": {\n    \"type\": \"BertNormalizer\",\n    \"clean_text\": \(normalizer.cleanText),\n"
        s += "    \"handle_chinese_chars\": \(normalizer.handleChineseChars),\n    \"strip_accents\": \(strip),\n"
        s += "    \"lowercase\": \(normalizer.lowercase)\n  },\n"
        s += "  \"pre_tokenizer\": {\n    \"type\": \"BertPreTokenizer\"\n  },\n"
        if let sep = ids["[SEP]"], let cls = ids["[CLS]"] {
            s +=
                "  \"post_processor\": {\n    \"type\": \"BertProcessing\",\n    \"sep\": [\n      \"[SEP]\",\n      \(sep)\n    ],\n"
            s += "    \"cls\": [\n      \"[CLS]\",\n      \(cls)\n    ]\n  },\n"
        } else {
            s += "  \"post_processor\": null,\n"
        }
        s +=
            "  \"decoder\": {\n    \"type\": \"WordPiece\",\n    \"prefix\": \(json(prefix)),\n    \"cleanup\": true\n  },\n"
        s += "  \"model\": {\n    \"type\": \"WordPiece\",\n    \"unk_token\": \(json(unknownToken)),\n"
        s +=
            "    \"continuing_subword_prefix\": \(json(prefix)),\n    \"max_input_chars_per_word\": 100,\n    \"vocab\": {"
        var out = Array(s.utf8)
        for (id, t) in tokens.enumerated() {
            out += Array((id == 0 ? "\n      " : ",\n      ").utf8)
            out += EncodeJob.jsonString(t)
            out += Array(": \(id)".utf8)
        }
        out += Array("\n    }\n  }\n}".utf8)
        return out
    }

    /// Writes `bytes` to `directory/name` through a temporary name, fsync and rename.
    static func write(_ bytes: [UInt8], name: String, in directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(name)
        let temporary = path + ".tmp-\(getpid())"
        func fail(_ what: String) -> TokenizationError {
            .output(path: path, detail: "\(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw fail("cannot create \((temporary as NSString).lastPathComponent)") }
        var ok = bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        if !ok { let e = fail("write failed"); close(fd); unlink(temporary); throw e }
        ok = fsync(fd) == 0
        if !ok { let e = fail("fsync failed"); close(fd); unlink(temporary); throw e }
        close(fd)
        guard rename(temporary, path) == 0 else { let e = fail("cannot rename"); unlink(temporary); throw e }
        let dir = open(directory, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    /// Creates `directory` and proves a file can be made in it, before hours of counting.
    static func prepare(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TokenizationError.output(
                path: directory, detail: "cannot create output directory: \(error.localizedDescription)")
        }
        let probe = (directory as NSString).appendingPathComponent(".prep-vocab-probe-\(getpid())")
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw TokenizationError.output(
                path: directory, detail: "cannot write in output directory: \(String(cString: strerror(errno)))")
        }
        close(fd)
        unlink(probe)
    }
}
