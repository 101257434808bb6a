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
    public var ok: Bool { problems.isEmpty }
}

extension Dataset {
    /// Checks a dataset: the manifest, and for every shard its size, header, footer and
    /// index checksums, every block's checksum and record layout, its record count and
    /// schema against the manifest, and the whole-file XXH64 the manifest records.
    /// Stops at the first problem unless `all`. `progress(bytesDone, bytesTotal)` is
    /// called after each block.
    public static func verify(directory: String, all: Bool = false,
                              progress: ((Int, Int) -> Void)? = nil) -> DatasetVerification {
        var result = DatasetVerification(directory: directory, isDataset: true)
        let manifest: DatasetManifest
        do { manifest = try readManifest(in: directory) } catch {
            let missing = !FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(manifestName))
            result.isDataset = !missing
            result.problems.append(DatasetProblem(shard: nil, block: nil, message: "\(error)"))
            return result
        }
        let totalBytes = manifest.shards.reduce(0) { $0 + $1.bytes }
        var doneBytes = 0
        for s in manifest.shards {
            let path = (directory as NSString).appendingPathComponent(s.file)
            func problem(_ message: String, block: Int? = nil) { result.problems.append(DatasetProblem(shard: s.file, block: block, message: message)) }
            defer { doneBytes += s.bytes; progress?(doneBytes, totalBytes) }
            let reader: ShardReader
            do { reader = try ShardReader(path: path, expectedBytes: s.bytes, cacheBlocks: 1) } catch {
                problem("\(error)")
                if all { continue } else { return result }
            }
            result.shardsChecked += 1
            if reader.schema != manifest.schema {
                problem("\(ShardError.schemaMismatch(path: path, detail: "shard has fields \(describe(reader.schema)), manifest has \(describe(manifest.schema))"))")
            }
            if reader.recordCount != s.records {
                problem("\(ShardError.corrupt(path: path, detail: "shard holds \(reader.recordCount) records, manifest says \(s.records)"))")
            }
            if !all && !result.ok { return result }
            for b in 0..<reader.blockCount {
                do {
                    try reader.verifyBlock(b)
                    result.blocksChecked += 1
                } catch {
                    problem("\(error)", block: b)
                    if !all { return result }
                }
                progress?(doneBytes + Int(Double(s.bytes) * Double(b + 1) / Double(reader.blockCount)), totalBytes)
            }
            let hash = XXHash64.hex(reader.fileChecksum())
            if hash != s.xxh64.lowercased() {
                problem("\(ShardError.corrupt(path: path, detail: "whole-file XXH64 is \(hash), manifest says \(s.xxh64)"))")
                if !all { return result }
            }
            result.recordsChecked += reader.recordCount
            result.bytesChecked += reader.fileBytes
        }
        return result
    }

    private static func describe(_ schema: ShardSchema) -> String {
        "(" + schema.fields.map { "\($0.name): \($0.type)" }.joined(separator: ", ") + ")"
    }
}
