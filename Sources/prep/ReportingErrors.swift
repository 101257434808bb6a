import ArgumentParser
import Finetuning
import Foundation
import Loading
import Masking
import Shards
import Tokenization
import Training

/// How `prep` reports a library error: one line on stderr, `error: ` and a message naming
/// the file and position, and the exit status of the README's table, the same for the same
/// fault in every command:
///   2  bad input or usage: options, missing or corrupt inputs (datasets, shards, vocabularies,
///      checkpoints, state files), an output path that cannot be one (a regular file where a
///      directory goes, or below a file), a run directory holding another run
///   1  a failure while running: a read or write that failed on a usable path (full disk, I/O
///      error), a loss that became NaN
struct ErrorReport: Equatable {
    var message: String
    var exitCode: Int32

    init(message: String, exitCode: Int32) {
        // One line, whatever a lower layer put into its message.
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        self.exitCode = exitCode
    }

    /// The report for `error`, or nil for errors that are not the libraries' (ArgumentParser's
    /// own, `ExitCode`): those pass through to ArgumentParser.
    init?(_ error: Error) {
        guard let r = Self.libraryReport(error) else { return nil }
        // An I/O failure on a path that cannot be used at all is the user's to fix, whichever
        // library met it: the same status for "output is a regular file" or "shard missing"
        // in every command.
        let unusable =
            r.exitCode == 1
            && (Self.isWrongKind(error)
                || (Self.ioPath(of: error).map { Self.isUnusable($0, message: r.message) } ?? false))
        self = unusable ? ErrorReport(message: r.message, exitCode: 2) : r
    }

    /// Each library's own message and status.
    private static func libraryReport(_ error: Error) -> ErrorReport? {
        switch error {
        case let e as TokenizationError: return ErrorReport(message: e.description, exitCode: e.exitCode)
        // The ICU at hand cannot serve the --unicode mode asked for.
        case let e as NormalizerError: return ErrorReport(message: e.description, exitCode: 2)
        case let e as ShardError: return ErrorReport(message: e.description, exitCode: Self.isIO(e) ? 1 : 2)
        case let e as MaskingError: return ErrorReport(message: e.description, exitCode: e.isBadInput ? 2 : 1)
        case let e as MaskingStrategyError: return ErrorReport(message: e.description, exitCode: 2)
        case let e as LoaderError: return ErrorReport(message: e.description, exitCode: e.exitCode)
        case let e as TrainingError: return ErrorReport(message: e.description, exitCode: e.exitCode)
        case let e as TrainSettingsError: return ErrorReport(message: e.description, exitCode: 2)
        case let e as TaskDataError: return ErrorReport(message: e.description, exitCode: e.exitCode)
        // Foundation's own errors escape only where a library did not wrap them; they keep
        // the status ArgumentParser gave them, 1 (2 for an unusable path, as above).
        case let e as DecodingError: return ErrorReport(message: Self.describe(e), exitCode: 1)
        case let e as EncodingError: return ErrorReport(message: Self.describe(e), exitCode: 1)
        case let e as POSIXError: return ErrorReport(message: String(cString: strerror(e.code.rawValue)), exitCode: 1)
        case let e as CocoaError: return ErrorReport(message: Self.describe(e), exitCode: 1)
        default: return nil
        }
    }

    /// Writes the report to stderr, first clearing a progress line on a terminal.
    func write() {
        let clear = isatty(STDERR_FILENO) == 1 ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data("\(clear)error: \(message)\n".utf8))
    }

    /// The path of an error that would otherwise report a failure while running (exit 1).
    private static func ioPath(of error: Error) -> String? {
        switch error {
        case let TokenizationError.output(path, _): return path
        case let ShardError.io(path, _): return path
        case let MaskingError.io(path, _): return path
        case let MaskingError.shard(.io(path, _)): return path
        case let LoaderError.io(path, _): return path
        case let TrainingError.io(path, _): return path
        case let e as CocoaError: return e.filePath ?? e.url?.path
        default: return nil
        }
    }

    /// Foundation's codes for a missing file or one in the way (its messages vary by build).
    private static func isWrongKind(_ error: Error) -> Bool {
        guard let e = error as? CocoaError else { return false }
        return [.fileNoSuchFile, .fileReadNoSuchFile, .fileWriteFileExists].contains(e.code)
    }

    /// True when `path` cannot be used whatever the machine's state: a component above it is
    /// not a directory, or the failure says the path is missing or of the wrong kind.
    static func isUnusable(_ path: String, message: String) -> Bool {
        // Parents by hand: Foundation's `deletingLastPathComponent` traps on one-character paths.
        func parent(_ p: Substring) -> Substring? {
            var p = p
            while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
            guard let slash = p.lastIndex(of: "/"), slash != p.startIndex else { return nil }
            return p[..<slash]
        }
        var ancestor = parent(Substring(path))
        while let a = ancestor {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: String(a), isDirectory: &isDirectory) {
                if !isDirectory.boolValue { return true }
                break
            }
            ancestor = parent(a)
        }
        let wrongKind =
            [ENOENT, ENOTDIR, EISDIR, EEXIST].map { String(cString: strerror($0)) } + [
                "A file with the same name already exists", "not a regular file",
            ]
        return wrongKind.contains { message.contains($0) }
    }

    private static func isIO(_ e: ShardError) -> Bool {
        if case .io = e { return true }
        return false
    }

    /// The JSON position (coding path) and what is wrong there; the file is the caller's.
    private static func describe(_ e: DecodingError) -> String {
        switch e {
        case let .dataCorrupted(c), let .keyNotFound(_, c), let .typeMismatch(_, c), let .valueNotFound(_, c):
            return "cannot decode JSON\(at(c.codingPath)): \(c.debugDescription)"
        @unknown default:
            return "cannot decode JSON: \(e)"
        }
    }

    private static func describe(_ e: EncodingError) -> String {
        switch e {
        case let .invalidValue(_, c): return "cannot encode JSON\(at(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "cannot encode JSON: \(e)"
        }
    }

    /// ` at a.b[2].c`, or nothing at the top level.
    private static func at(_ path: [CodingKey]) -> String {
        guard !path.isEmpty else { return "" }
        var text = ""
        for key in path {
            if let i = key.intValue { text += "[\(i)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return " at " + text
    }

    /// `path: reason`, the reason from the underlying POSIX error where there is one.
    private static func describe(_ e: CocoaError) -> String {
        let reason =
            (e.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { u in
                u.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32(u.code))) : nil
            } ?? e.localizedDescription
        guard let path = e.filePath ?? e.url?.path else { return reason }
        return "\(path): \(reason)"
    }
}

/// Runs a subcommand's work; a library error becomes its `ErrorReport` on stderr and the
/// process's exit status. Other errors pass through unchanged.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch {
        guard let report = ErrorReport(error) else { throw error }
        report.write()
        throw ExitCode(report.exitCode)
    }
}
