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
        // Training puts the special tokens first, each once.
        var ids: [String: Int] = [:]
        let wanted = Set(specialTokens.map { Array($0.utf8) })
        for (id, t) in tokens.prefix(specialTokens.count).enumerated()
        where wanted.contains(Array(t.utf8)) && ids[t] == nil {
            ids[t] = id
        }
        var seen = Set<[UInt8]>()
        let added = specialTokens.filter { seen.insert(Array($0.utf8)).inserted && ids[$0] != nil }
            .map { AddedToken(content: $0, id: Int32(ids[$0]!), special: true) }
        func named(_ token: String) -> (token: String, id: Int)? { ids[token].map { (token, $0) } }
        return TokenizerJSONWriter.bytes(
            tokens: tokens, addedTokens: added, normalizer: normalizer, continuationPrefix: prefix,
            unknownToken: unknownToken, maxInputCharsPerWord: 100,
            classifier: named("[CLS]"), separator: named("[SEP]"), postProcessor: .bertProcessing)
    }

    /// Writes `bytes` to `directory/name` through a temporary name, fsync and rename.
    static func write(_ bytes: [UInt8], name: String, in directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(name)
        let temporary = (directory as NSString).appendingPathComponent(".\(name).tmp-\(getpid())")
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
