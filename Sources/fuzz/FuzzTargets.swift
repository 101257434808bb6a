// The fuzz targets: each takes arbitrary bytes and feeds them to one of the parsers that read
// untrusted input. A thrown error is the expected answer to bad bytes; a crash, a hang, a
// sanitizer report or a broken invariant (checked with `fuzzCheck`) is a bug.
import Foundation
import Loading
import Shards
import Tokenization
import Training

enum FuzzTarget: String, CaseIterable {
    case tokenize, jsonl, tokenizerJSON = "tokenizer-json", shard, manifest, loaderState = "loader-state", checkpoint

    func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .tokenize: FuzzTokenize.run(bytes)
        case .jsonl: FuzzJSONL.run(bytes)
        case .tokenizerJSON: _ = try? Vocabulary(fileBytes: Array(bytes), path: "fuzz/tokenizer.json")
        case .shard: FuzzFiles.shard(bytes)
        case .manifest: FuzzFiles.manifest(bytes)
        case .loaderState: FuzzFiles.loaderState(bytes)
        case .checkpoint: FuzzFiles.checkpoint(bytes)
        }
    }
}

/// A broken invariant: abort so the fuzzer records the input.
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        FileHandle.standardError.write(Data("fuzz invariant broken: \(message())\n".utf8))
        abort()
    }
}

/// Normalizer + WordPiece on arbitrary bytes (invalid UTF-8 included), with the real
/// bert-base-uncased vocabulary. Invariants: ids in range with [CLS] and [SEP], the corpus path
/// (`appendIDs`) giving the same ids as the full encoder, and truncation keeping the budget.
enum FuzzTokenize {
    static let (encoder, vocabularySize): (BertEncoder, UInt32) = {
        let path = ProcessInfo.processInfo.environment["DRBERT_FUZZ_VOCAB"] ?? "Vocab/bert-base-uncased/vocab.txt"
        guard let vocabulary = try? Vocabulary(path: path),
            let encoder = try? BertTokenizer(vocabulary: vocabulary).makeEncoder()
        else {
            FileHandle.standardError.write(Data("drbert-fuzz: cannot read \(path) (set DRBERT_FUZZ_VOCAB)\n".utf8))
            exit(2)
        }
        return (encoder, UInt32(vocabulary.count))
    }()
    nonisolated(unsafe) static var encoding = Encoding()
    nonisolated(unsafe) static var ids: [UInt32] = []

    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard (try? encoder.encode(bytes, into: &encoding)) != nil else { return fuzzCheck(false, "encode threw") }
        let n = encoding.ids.count
        fuzzCheck(n >= 2 && encoding.ids.allSatisfy { $0 < vocabularySize }, "ids in range, with [CLS] and [SEP]")
        ids.removeAll(keepingCapacity: true)
        encoder.appendIDs(of: bytes, to: &ids)
        fuzzCheck(ids == Array(encoding.ids[1..<(n - 1)]), "corpus path ids differ from the encoder's")
        let budget = 1 + bytes.count % 17
        guard
            (try? encoder.encode(bytes, pair: bytes, options: EncodeOptions(maxLength: budget + 3), into: &encoding))
                != nil
        else { return fuzzCheck(false, "encode of a pair threw") }
        fuzzCheck(encoding.ids.count <= budget + 3, "truncation keeps the budget")
    }
}

/// The JSONL reader: validate one line and pull two paths out of it, as `--text-field text,meta.body` does.
enum FuzzJSONL {
    static let paths: [[[UInt8]]] = [[Array("text".utf8)], [Array("meta".utf8), Array("body".utf8)]]
    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        var locations: [JSONMemberLocation] = []
        guard (try? StrictJSON.locate(paths, in: bytes, into: &locations)) != nil else { return }
        fuzzCheck(locations.count == paths.count, "one location per path")
        var out: [UInt8] = []
        for case let .string(offset) in locations {
            fuzzCheck(offset < bytes.count && bytes[offset] == UInt8(ascii: "\""), "string offset at a quote")
            StrictJSON.appendString(at: offset, of: bytes, to: &out)
        }
    }
}

/// Readers that take a file: the bytes are written to a scratch file (in /dev/shm when it exists).
enum FuzzFiles {
    static let directory: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let dir = (base as NSString).appendingPathComponent("drbert-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: FuzzFiles.directory) }
        return dir
    }()

    static func write(_ bytes: UnsafeBufferPointer<UInt8>, _ name: String) -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        FileManager.default.createFile(atPath: path, contents: Data(buffer: bytes))
        return path
    }

    /// Open the shard (header, index, checksums) and read every record.
    static func shard(_ bytes: UnsafeBufferPointer<UInt8>) {
        let path = write(bytes, "shard-00000.drbs")
        guard let reader = try? ShardReader(path: path, cacheBlocks: 2) else { return }
        var record = ShardRecord(columnCount: reader.schema.fields.count)
        for i in 0..<min(reader.recordCount, 100_000) {
            guard (try? reader.read(i, into: &record)) != nil else { return }
            fuzzCheck(record.columns.count == reader.schema.fields.count, "record has every column")
        }
    }

    static func manifest(_ bytes: UnsafeBufferPointer<UInt8>) {
        _ = write(bytes, Dataset.manifestName)
        guard let m = try? Dataset.readManifest(in: directory) else { return }
        fuzzCheck(m.totalRecords >= 0, "records are counted")
    }

    static func loaderState(_ bytes: UnsafeBufferPointer<UInt8>) {
        _ = try? StateFile.read(write(bytes, "state.json"))
    }

    /// The safetensors parser of checkpoints and exports, then every tensor read out.
    static func checkpoint(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let file = try? SafeTensors.File(path: write(bytes, "model.safetensors")) else { return }
        for (name, entry) in file.entries {
            switch entry.dtype {
            case .f32: _ = try? file.floats(name)
            case .i32: _ = try? file.ints(name)
            case .i64: break
            }
        }
    }
}
