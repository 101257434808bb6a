import Foundation
import Tokenization

#if canImport(Glibc)
    import Glibc
#endif

/// Facts about a job's input files that every corpus job checks before it reads them.
enum InputFiles {
    /// File names a directory contributes when no `--glob` is given: text and JSONL, plain
    /// or compressed (docs/tokenizer.md).
    static let defaultExtensions = ["txt", "text", "jsonl", "ndjson", "json"]

    /// `inputs` with each directory replaced by the regular files under it (recursively),
    /// sorted by path bytes so the order, and so the output, never depends on the file
    /// system. `glob` (fnmatch on the file name) chooses them; without it, names with a
    /// known text or JSONL extension, optionally `.gz`/`.zst`/`.xz`/`.bz2`. Hidden files and folders are
    /// skipped. Files and `-` are kept as given.
    static func expand(_ inputs: [String], glob: String? = nil) throws -> [String] {
        var result: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard input != "-", FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory),
                isDirectory.boolValue
            else {
                result.append(input)
                continue
            }
            let files = try filesUnder(input, glob: glob)
            guard !files.isEmpty else {
                throw TokenizationError.input(
                    path: input,
                    detail: "directory has no input files"
                        + (glob.map { " matching --glob \($0)" }
                            ?? " (.txt, .text, .jsonl, .ndjson, .json, plain or .gz/.zst/.xz/.bz2)"))
            }
            result += files
        }
        return result
    }

    private static func filesUnder(_ directory: String, glob: String?) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else {
            throw TokenizationError.input(path: directory, detail: "cannot list directory")
        }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            let path = (directory as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if name.hasPrefix(".") {
                if isDirectory.boolValue { walker.skipDescendants() }
                continue
            }
            if isDirectory.boolValue || !matches(name, glob: glob) { continue }
            files.append(path)
        }
        return files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    static func matches(_ name: String, glob: String?) -> Bool {
        if let glob { return fnmatch(glob, name, 0) == 0 }
        let lower = InputCompression.strippingSuffix(name.lowercased())
        return defaultExtensions.contains { lower.hasSuffix("." + $0) }
    }

    /// Total size of the inputs in bytes (for progress and rates); throws
    /// `TokenizationError.input` naming the first input that is missing or unreadable.
    static func totalSize(of inputs: [String]) throws -> Int {
        var total = 0
        // Standard input has no size known in advance: progress counts what was read.
        for input in inputs where input != "-" {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: input) else {
                throw TokenizationError.input(
                    path: input,
                    detail: FileManager.default.fileExists(atPath: input) ? "cannot read input" : "input file not found"
                )
            }
            total += (attributes[.size] as? Int) ?? 0
        }
        return total
    }
}
