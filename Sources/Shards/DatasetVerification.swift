import Foundation

/// One problem found by `Dataset.verify`; `message` is a complete one-line description
/// naming the file and, where there is one, the block and record.
public struct DatasetProblem: Sendable, Equatable, CustomStringConvertible {
    /// Shard file name relative to the dataset directory; nil for manifest problems.
    public var shard: String?
    public var block: Int?
    public var message: String
    public var description: String { message }
}

public struct DatasetVerification: Sendable {
    public var directory: String
    /// False when the directory or its manifest is missing (bad input rather than damage).
    public var isDataset: Bool
    public var shardsChecked = 0
    public var blocksChecked = 0
    public var recordsChecked = 0
    public var bytesChecked = 0
    public var problems: [DatasetProblem] = []
    /// Shard or temporary files in the directory that the manifest does not list
    /// (left by an earlier, larger or interrupted run); not an error.
    public var unlistedFiles: [String] = []
    public var ok: Bool { problems.isEmpty }
}

extension Dataset {
    /// Checks a dataset: the manifest, and for every shard its size, header, footer and
    /// index checksums, every block's checksum and record layout, its record count and
    /// schema against the manifest, and the whole-file XXH64 the manifest records.
    /// Stops at the first problem (in manifest order) unless `all`. Shards are checked on
    /// `threads` threads (default: all cores); the result does not depend on it.
    /// `progress` (bytes checked of the manifest's total) is called after each block, never
    /// concurrently.
    public static func verify(
        directory: String, all: Bool = false, threads: Int? = nil,
        progress: ((ProgressEvent) -> Void)? = nil
    ) -> DatasetVerification {
        var result = DatasetVerification(directory: directory, isDataset: true)
        let manifest: DatasetManifest
        do { manifest = try readManifest(in: directory) } catch {
            let missing = !FileManager.default.fileExists(
                atPath: (directory as NSString).appendingPathComponent(manifestName))
            result.isDataset = !missing
            result.problems.append(DatasetProblem(shard: nil, block: nil, message: "\(error)"))
            return result
        }
        let manifestPath = (directory as NSString).appendingPathComponent(manifestName)
        for message in derivedFieldProblems(manifest, in: directory) {
            result.problems.append(DatasetProblem(shard: nil, block: nil, message: "\(manifestPath): \(message)"))
            if !all { return result }
        }
        let listed = Set(manifest.shards.map(\.file))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        result.unlistedFiles = names.filter {
            !listed.contains($0) && ($0.hasSuffix("." + shardExtension) || $0.contains(".tmp-"))
        }.sorted()

        let shardCount = manifest.shards.count
        let totalBytes = manifest.shards.reduce(0) { $0 + $1.bytes }
        let lock = NSLock()
        var checks = [ShardCheck?](repeating: nil, count: shardCount)
        var nextShard = 0, firstFailure = Int.max, doneBytes = 0
        let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, shardCount))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                lock.lock()
                let k = nextShard
                nextShard += 1
                let skip = k >= shardCount || (!all && k > firstFailure)
                lock.unlock()
                if skip { return }
                let check = verifyShard(manifest.shards[k], in: directory, manifest: manifest, all: all) { bytes in
                    lock.lock()
                    doneBytes += bytes
                    progress?(ProgressEvent(completed: doneBytes, total: totalBytes, unit: .bytes))
                    lock.unlock()
                }
                lock.lock()
                checks[k] = check
                if !check.problems.isEmpty { firstFailure = min(firstFailure, k) }
                lock.unlock()
            }
        }
        for k in 0..<shardCount {
            guard let c = checks[k] else { break }
            result.shardsChecked += c.opened ? 1 : 0
            result.blocksChecked += c.blocks
            result.recordsChecked += c.records
            result.bytesChecked += c.bytes
            result.problems += all ? c.problems : Array(c.problems.prefix(1))
            if !all && !c.problems.isEmpty { break }
        }
        return result
    }

    /// The manifest's fields that follow from others or from files: `total_records` (the
    /// shards' sum), `kind` (the schema), the vocabulary copy's SHA-256 (`vocab.sha256`).
    /// Shard counts and sizes are checked against the shards themselves.
    private static func derivedFieldProblems(_ m: DatasetManifest, in directory: String) -> [String] {
        var problems: [String] = []
        if m.statedTotalRecords != m.totalRecords {
            problems.append(
                "total_records is \(m.statedTotalRecords.map(String.init) ?? "missing"), the shards listed hold \(m.totalRecords)"
            )
        }
        if let p = RecordKinds.problem(kind: m.kind, schema: m.schema, vocabularySize: m.vocab.size) {
            problems.append("kind \"\(m.kind)\" does not match the schema \(describe(m.schema)): \(p)")
        }
        let vocab = (directory as NSString).appendingPathComponent(m.vocab.file)
        if m.vocab.file.isEmpty || m.vocab.file.contains("/") {
            problems.append("vocab.file '\(m.vocab.file)' is not a file name in the dataset directory")
        } else if let data = FileManager.default.contents(atPath: vocab) {
            let digest = SHA256Hasher.hex(of: [UInt8](data))
            if digest != m.vocab.sha256 {
                problems.append(
                    "\(m.vocab.file) in the dataset has SHA-256 \(digest), vocab.sha256 says \(m.vocab.sha256)")
            }
        } else {
            problems.append("the vocabulary copy \(m.vocab.file) named by the manifest is missing from the dataset")
        }
        return problems
    }

    private struct ShardCheck {
        var opened = false
        var blocks = 0, records = 0, bytes = 0
        var problems: [DatasetProblem] = []
    }

    /// All checks of one shard; stops at its first problem unless `all`.
    /// `advance(bytes)` reports progress; the increments sum to the manifest's size.
    private static func verifyShard(
        _ s: ShardSummary, in directory: String, manifest: DatasetManifest,
        all: Bool, advance: (Int) -> Void
    ) -> ShardCheck {
        var check = ShardCheck()
        var reported = 0
        defer { advance(s.bytes - reported) }
        let path = (directory as NSString).appendingPathComponent(s.file)
        func problem(_ message: String, block: Int? = nil) {
            check.problems.append(DatasetProblem(shard: s.file, block: block, message: message))
        }
        let reader: ShardReader
        do { reader = try ShardReader(path: path, expectedBytes: s.bytes, cacheBlocks: 1) } catch {
            problem("\(error)")
            return check
        }
        check.opened = true
        if reader.schema != manifest.schema {
            problem(
                "\(ShardError.schemaMismatch(path: path, detail: "shard has fields \(describe(reader.schema)), manifest has \(describe(manifest.schema))"))"
            )
        }
        if reader.recordCount != s.records {
            problem(
                "\(ShardError.corrupt(path: path, detail: "shard holds \(reader.recordCount) records, manifest says \(s.records)"))"
            )
        }
        if !all && !check.problems.isEmpty { return check }
        for b in 0..<reader.blockCount {
            do {
                try reader.verifyBlock(b)
                check.blocks += 1
            } catch {
                problem("\(error)", block: b)
                if !all { return check }
            }
            let step = Int(Double(s.bytes) * Double(b + 1) / Double(reader.blockCount)) - reported
            reported += step
            advance(step)
        }
        if reader.checksumDigest != s.checksumDigest {
            problem(
                "\(ShardError.corrupt(path: path, detail: "checksum digest is \(reader.checksumDigest), manifest says \(s.checksumDigest ?? "none")"))"
            )
            if !all { return check }
        }
        let hash = XXHash64.hex(reader.fileChecksum())
        if hash != s.xxh64.lowercased() {
            problem(
                "\(ShardError.corrupt(path: path, detail: "whole-file XXH64 is \(hash), manifest says \(s.xxh64)"))")
            if !all { return check }
        }
        if check.problems.isEmpty {
            check.records = reader.recordCount
            check.bytes = reader.fileBytes
        }
        return check
    }

    private static func describe(_ schema: ShardSchema) -> String {
        "(" + schema.fields.map { "\($0.name): \($0.type)" }.joined(separator: ", ") + ")"
    }
}
