import Foundation
import Shards

/// `.mask-journal.json` in the output directory: the counts of every shard finished so far,
/// with the config hash they belong to, so a resumed run's summary covers the kept shards.
/// Rewritten atomically after each shard; removed once the manifest is written.
struct MaskingJournal: Codable {
    var configHash: String
    var units: [String: InstanceStatistics] = [:]

    static func load(from directory: String, configHash: String) -> MaskingJournal {
        let path = directory + "/" + MaskingJob.journalName
        if let data = FileManager.default.contents(atPath: path),
           let j = try? JSONDecoder().decode(MaskingJournal.self, from: data), j.configHash == configHash {
            return j
        }
        return MaskingJournal(configHash: configHash)
    }

    func save(to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try writeFileAtomically(try encoder.encode(self), to: directory + "/" + MaskingJob.journalName)
    }

    /// The run summary as manifest settings (`summary`: the statistics as JSON).
    static func settings(for statistics: InstanceStatistics) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let json = (try? encoder.encode(statistics)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        return ["summary": json]
    }

    static func summary(from manifest: DatasetManifest) -> InstanceStatistics? {
        guard let json = manifest.config["summary"] else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(InstanceStatistics.self, from: Data(json.utf8))
    }
}

/// Temporary name, fsync, rename: a reader sees the old file or the whole new one.
func writeFileAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw MaskingError.io(path: path, detail: "cannot create \(temp): \(String(cString: strerror(errno)))") }
    var ok = false
    defer { if !ok { unlink(temp) } }
    let failed: String? = data.withUnsafeBytes { buf in
        var p = buf.baseAddress, left = buf.count
        while left > 0, let q = p {
            let n = write(fd, q, left)
            if n < 0 { if errno == EINTR { continue }; return String(cString: strerror(errno)) }
            p = q + n; left -= n
        }
        return fsync(fd) == 0 ? nil : String(cString: strerror(errno))
    }
    close(fd)
    if let failed { throw MaskingError.io(path: path, detail: "write failed: \(failed)") }
    guard rename(temp, path) == 0 else {
        throw MaskingError.io(path: path, detail: "rename failed: \(String(cString: strerror(errno)))")
    }
    ok = true
}
