// Writes a small dataset with the real ShardWriter for Scripts/parity/shards, plus the
// records it wrote as JSON lines, so an independent reader can be checked against both.
import Foundation

@main
enum ShardsParityWriter {
    static func main() throws {
        let dir = CommandLine.arguments[1]
        let schema = ShardSchema([ShardField("ids16", .uint16), ShardField("flags8", .uint8),
                                  ShardField("ids32", .uint32), ShardField("signed", .int32)])
        var state: UInt64 = 7
        func next(_ bound: UInt64) -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (z ^ (z >> 31)) % bound
        }
        var lines: [String] = []
        var shards: [ShardSummary] = []
        for (k, count) in [500, 0, 1200].enumerated() {
            let w = try ShardWriter(path: Dataset.shardPath(in: dir, index: k), schema: schema,
                                    metadata: ["config_sha256": "parity", "shard": "\(k)"], targetBlockBytes: 4096)
            for _ in 0..<count {
                var r = ShardRecord(columnCount: 4)
                r.columns[0] = (0..<next(200)).map { _ in UInt32(next(65_536)) }
                r.columns[1] = (0..<next(5)).map { _ in UInt32(next(256)) }
                r.columns[2] = (0..<next(4)).map { _ in UInt32(truncatingIfNeeded: next(1 << 32)) }
                r.columns[3] = (0..<next(3)).map { _ in UInt32(truncatingIfNeeded: next(1 << 32)) }
                try w.append(r)
                let signed = r.columns[3].map { String(Int32(bitPattern: $0)) }
                lines.append("[[\(r.columns[0].map(String.init).joined(separator: ","))],[\(r.columns[1].map(String.init).joined(separator: ","))],[\(r.columns[2].map(String.init).joined(separator: ","))],[\(signed.joined(separator: ","))]]")
            }
            shards.append(try w.finish())
        }
        try Dataset.writeManifest(DatasetManifest(formatVersion: DatasetManifest.currentFormatVersion, kind: "parity", schema: schema, config: ["seed": "7"],
                                                  vocab: VocabularyIdentity(file: "-", size: 0, sha256: "-"), shards: shards), to: dir)
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/expected.jsonl", atomically: true, encoding: .utf8)
    }
}
