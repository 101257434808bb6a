import ArgumentParser
import Foundation
import Shards

/// `prep verify DIR`: argument handling only; the checks are `Dataset.verify`.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every checksum, record count and the manifest of a dataset directory.",
        discussion: """
            Exit status: 0 when every check passes (one summary line on stdout), 1 when a \
            shard or the manifest is damaged (the first problem, naming shard and block, on \
            stderr; every problem with --all), 2 when DIR is not a dataset directory.
            """
    )

    @Argument(help: "Dataset directory: shards plus manifest.json.")
    var directory: String

    @Flag(help: "List every problem instead of stopping at the first.")
    var all = false

    @Flag(help: "Print one JSON object on stdout (ok, counts, problems) instead of text.")
    var json = false

    @Option(help: "Shards checked in parallel (default: all cores). The result does not depend on it.")
    var threads: Int?

    func validate() throws {
        var numbers = NumericOptions()
        numbers.check("threads", threads, .positive)
        try numbers.validate()
    }

    func run() throws {
        let started = Date()
        let progress = ProgressDisplay(label: "verify", enabled: !json)
        let result = Dataset.verify(directory: directory, all: all, threads: threads) { progress.update($0) }
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        if json {
            print(Self.json(result, seconds: seconds))
        } else if result.ok {
            let mb = Double(result.bytesChecked) / 1e6
            let unlisted =
                result.unlistedFiles.isEmpty
                ? "" : "; \(result.unlistedFiles.count) files not in the manifest (e.g. \(result.unlistedFiles[0]))"
            print(
                String(
                    format: "OK %@: %d shards, %d blocks, %d records, %.1f MB verified in %.2f s (%.0f MB/s)%@",
                    directory, result.shardsChecked, result.blocksChecked, result.recordsChecked,
                    mb, seconds, mb / max(seconds, 1e-9), unlisted))
        } else {
            for p in result.problems { FileHandle.standardError.write(Data("error: \(p.message)\n".utf8)) }
        }
        if !result.ok { throw ExitCode(result.isDataset ? 1 : 2) }
    }

    static func json(_ r: DatasetVerification, seconds: Double) -> String {
        let problems: [[String: Any]] = r.problems.map { p in
            var o: [String: Any] = ["message": p.message]
            o["shard"] = p.shard ?? NSNull()
            o["block"] = p.block ?? NSNull()
            return o
        }
        let object: [String: Any] = [
            "ok": r.ok, "directory": r.directory, "shards": r.shardsChecked, "blocks": r.blocksChecked,
            "records": r.recordsChecked, "bytes": r.bytesChecked, "seconds": (seconds * 1000).rounded() / 1000,
            "problems": problems, "unlisted_files": r.unlistedFiles,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
