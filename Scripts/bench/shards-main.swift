// Benchmark of the shard container, compiled by Scripts/bench/shards together with
// Sources/Shards (one module, release flags). Prints write/read/verify throughput.
import Foundation

/// CPU seconds of this process: the machine is shared, so wall time alone is noisy.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Wall and CPU seconds since `start`.
struct Clock {
    let wall = Date(), cpu = cpuSeconds()
    func elapsed() -> (wall: Double, cpu: Double) { (Date().timeIntervalSince(wall), cpuSeconds() - cpu) }
}

@main
enum ShardsBench {
    static func main() throws {
        let args = CommandLine.arguments
        let records = args.count > 1 ? Int(args[1])! : 1_000_000
        let tokens = args.count > 2 ? Int(args[2])! : 128
        let dir = args.count > 3 ? args[3] : NSTemporaryDirectory() + "/shards-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)

        // Token ids with a Zipf-like law (rank r has weight ~1/r), as in text, so that
        // compression sees realistic redundancy; generated up front, outside the timing.
        var state: UInt64 = 42
        func next() -> UInt64 { state &+= 0x9E37_79B9_7F4A_7C15; var z = state; z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB; return z ^ (z >> 31) }
        let vocab = 30_522.0
        let pool: [UInt32] = (0..<(1 << 20)).map { _ in
            let u = Double(next() >> 11) / Double(1 << 53)
            return UInt32(min(vocab - 1, exp(u * log(vocab)) - 1))
        }
        let schema = ShardSchema([ShardField("token_ids", .uint16)])
        var record = ShardRecord(columnCount: 1)
        let payload = Double(records * (4 + 2 * tokens))

        // Write: one shard per 256k records, like a producer would.
        let perShard = 262_144
        var summaries: [ShardSummary] = []
        var t0 = Clock()
        var writer: ShardWriter? = nil
        for i in 0..<records {
            if i % perShard == 0 {
                if let w = writer { summaries.append(try w.finish()) }
                writer = try ShardWriter(path: Dataset.shardPath(in: dir, index: summaries.count), schema: schema)
            }
            record.columns[0].removeAll(keepingCapacity: true)
            let start = (i &* 7919) & ((1 << 20) - 1 - tokens)
            record.columns[0].append(contentsOf: pool[start..<(start + tokens)])
            try writer!.append(record)
        }
        if let w = writer { summaries.append(try w.finish()) }
        try Dataset.writeManifest(DatasetManifest(formatVersion: DatasetManifest.currentFormatVersion, kind: "documents", schema: schema, config: [:],
                                                  vocab: VocabularyIdentity(file: "-", size: 30_522, sha256: "-"),
                                                  shards: summaries), to: dir)
        let write = t0.elapsed()
        let fileBytes = summaries.reduce(0) { $0 + $1.bytes }

        // Sequential read of every record.
        t0 = Clock()
        var checksum: UInt64 = 0
        for s in summaries {
            let reader = try ShardReader(path: dir + "/" + s.file)
            for i in 0..<reader.recordCount {
                try reader.read(i, into: &record)
                checksum &+= UInt64(record.columns[0][0])
            }
        }
        let read = t0.elapsed()

        // Random reads within one shard, worst case for the block cache.
        let reader = try ShardReader(path: dir + "/" + summaries[0].file)
        let randomCount = min(2_000, reader.recordCount)
        t0 = Clock()
        for _ in 0..<randomCount {
            try reader.read(Int(next() % UInt64(reader.recordCount)), into: &record)
            checksum &+= UInt64(record.columns[0][0])
        }
        let random = t0.elapsed()

        t0 = Clock()
        let v = Dataset.verify(directory: dir)
        let verify = t0.elapsed()
        precondition(v.ok, "\(v.problems)")

        func line(_ name: String, _ t: (wall: Double, cpu: Double), _ bytes: Double, _ items: Double, _ unit: String) {
            print(String(format: "%@ wall %.2f s  cpu %.2f s  %.0f MB/s  %.2f M %@/s  (per cpu-second)", name, t.wall, t.cpu,
                         bytes / 1e6 / t.cpu, items / 1e6 / t.cpu, unit))
        }
        print(String(format: "records %d x %d uint16 tokens: %.1f MB uncompressed, %.1f MB on disk (ratio %.2f), %d shards",
                     records, tokens, payload / 1e6, Double(fileBytes) / 1e6, payload / Double(fileBytes), summaries.count))
        line("write ", write, payload, Double(records), "records")
        line("read  ", read, payload, Double(records), "records")
        print(String(format: "random wall %.2f s  cpu %.2f s  %.0f records/s  (per cpu-second; uniform over a shard, one block decompressed per read)",
                     random.wall, random.cpu, Double(randomCount) / random.cpu))
        line("verify", verify, Double(fileBytes), Double(records), "records")
        print("checksum \(checksum)")
        // The raw encoding of the same records, for the zstd CLI reference in the same run.
        if args.count > 4 {
            let fd = open(args[4], O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            var buf = [UInt8](); buf.reserveCapacity(1 << 22)
            for i in 0..<records {
                let start = (i &* 7919) & ((1 << 20) - 1 - tokens)
                withUnsafeBytes(of: UInt32(tokens).littleEndian) { buf.append(contentsOf: $0) }
                for t in pool[start..<(start + tokens)] { withUnsafeBytes(of: UInt16(t).littleEndian) { buf.append(contentsOf: $0) } }
                if buf.count >= 1 << 22 { _ = buf.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }; buf.removeAll(keepingCapacity: true) }
            }
            _ = buf.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        if ProcessInfo.processInfo.environment["SHARDS_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(atPath: dir) }
    }
}
