// A binary file read as text tokenizes into garbage and still "succeeds". So before an
// input is read, its first bytes are compared with what its name promises: compressed
// data must be named as such, and formats we cannot read (Parquet, Arrow, zip) are refused
// with a hint instead of being tokenized.
import Tokenization

/// The compression an input's name declares (`.zst`, `.gz`, `.xz`, `.bz2`); standard input
/// declares none.
enum InputCompression: CaseIterable {
    case none, zstd, gzip, xz, bzip2

    /// The file-name suffix that declares it.
    var suffix: String {
        switch self {
        case .none: return ""
        case .zstd: return ".zst"
        case .gzip: return ".gz"
        case .xz: return ".xz"
        case .bzip2: return ".bz2"
        }
    }

    init(name: String) {
        let lower = name.lowercased()
        self = Self.allCases.first { $0 != .none && lower.hasSuffix($0.suffix) } ?? .none
    }

    /// The name without its compression suffix (for the format rule).
    static func strippingSuffix(_ name: String) -> String {
        String(name.dropLast(InputCompression(name: name).suffix.count))
    }
}

enum InputMagic {
    /// Bytes `check` looks at.
    static let headLength = 6

    private static let gzip: [UInt8] = [0x1F, 0x8B]
    private static let zstd: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
    private static let parquet = Array("PAR1".utf8)
    private static let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
    private static let xz: [UInt8] = [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]
    private static let bzip2 = Array("BZh".utf8)

    private static let parquetHint =
        "Parquet is not read directly; convert it to JSONL first (one {\"text\": ...} object per line)"

    /// A zstd skippable frame (magic 0x184D2A50...5F, little-endian), which may open a
    /// valid .zst (pzstd writes one first).
    private static func isSkippableZstdFrame(_ head: [UInt8]) -> Bool {
        head.count >= 4 && head[0] & 0xF0 == 0x50 && head[1] == 0x2A && head[2] == 0x4D && head[3] == 0x18
    }

    /// Throws `TokenizationError.input` (exit 2) naming `path` when `head` (the file's first
    /// bytes) contradicts `compression`, or is a format the corpus jobs do not read.
    static func check(head: [UInt8], of path: String, compression: InputCompression) throws {
        let name = path == "-" ? "<stdin>" : path
        func refuse(_ detail: String) -> TokenizationError { .input(path: name, detail: detail) }
        let lower = path.lowercased()
        if lower.hasSuffix(".parquet") || head.starts(with: parquet) { throw refuse(parquetHint) }
        if lower.hasSuffix(".arrow") {
            throw refuse(
                "Arrow files are not read directly; convert it to JSONL first (one {\"text\": ...} object per line)")
        }
        if head.starts(with: zip) {
            throw refuse("is a zip archive, which is not read; extract it and give the files inside")
        }
        let renameHint = { (suffix: String, tool: String) in
            path == "-" ? "decompress it first (\(tool) | prep ... --input -)" : "rename it to end in \(suffix)"
        }
        switch compression {
        case .none:
            if head.starts(with: gzip) {
                throw refuse("is gzip-compressed but not named .gz; \(renameHint(".gz", "zcat FILE"))")
            }
            if head.starts(with: zstd) {
                throw refuse("is zstd-compressed but not named .zst; \(renameHint(".zst", "zstdcat FILE"))")
            }
            if head.starts(with: xz) {
                throw refuse("is xz-compressed but not named .xz; \(renameHint(".xz", "xzcat FILE"))")
            }
            if head.count >= 4 && head.starts(with: bzip2) && (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(head[3])
            {
                throw refuse("is bzip2-compressed but not named .bz2; \(renameHint(".bz2", "bzcat FILE"))")
            }
        // An empty file is not compressed data (a compressed empty text is not empty); `zstd -d`
        // and `gzip -d` both refuse it, rather than reading it as an empty corpus.
        case .gzip:
            if head.isEmpty { throw refuse("is named .gz but is empty (0 bytes), not gzip data") }
            if !head.starts(with: gzip) { throw refuse("is named .gz but is not gzip data (from byte 0)") }
        case .zstd:
            if head.isEmpty { throw refuse("is named .zst but is empty (0 bytes), not zstd data") }
            if !head.starts(with: zstd) && !isSkippableZstdFrame(head) {
                throw refuse("is named .zst but is not zstd data (from byte 0)")
            }
        case .xz:
            if !head.starts(with: xz) {
                throw refuse(
                    head.isEmpty
                        ? "is named .xz but is empty (0 bytes), not xz data"
                        : "is named .xz but is not xz data (from byte 0)")
            }
        case .bzip2:
            if !head.starts(with: bzip2) {
                throw refuse(
                    head.isEmpty
                        ? "is named .bz2 but is empty (0 bytes), not bzip2 data"
                        : "is named .bz2 but is not bzip2 data (from byte 0)")
            }
        }
    }
}
