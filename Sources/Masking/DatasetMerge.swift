import Dispatch
import Foundation
import Shards

/// `prep merge`: the parts of a partitioned `prep mask` or `prep tokenize` (`--partition I/N`)
/// into the dataset the single run writes.
///
/// A mask part holds the single run's shard files for its units, a tokenize part the shards of
/// its share of the documents (renumbered into one sequence here), so merging is bookkeeping:
/// check that the parts are complete and belong together (one job: same kind, schema,
/// vocabulary, settings and partition count; every part exactly once; their units in a row),
/// hard-link (or copy) the shards into the output, and write one manifest whose statistics are
/// the parts' sums. No shard is decoded, so a merge takes seconds however large the data.
///
/// The output is built under `OUT.partial-PID` and renamed into place: a merge that fails
/// leaves no `OUT`.
public enum DatasetMerge {
    public struct Options: Sendable {
        public var inputs: [String]
        public var output: String
        /// Copy the shards instead of hard-linking them (linking falls back to copying anyway
        /// where the file system cannot link, e.g. across devices).
        public var copy = false
        /// Check every block checksum of every part first (as `prep verify --all`).
        public var verify = false
        public init(inputs: [String], output: String) {
            self.inputs = inputs
            self.output = output
        }
    }

    public struct Summary: Sendable, Codable, Equatable {
        public var output: String
        public var parts: Int
        public var shards: Int
        public var records: Int
        public var bytes: Int
        public var linked: Int
        public var copied: Int
        public var seconds: Double

        public var line: String {
            "\(output): merged \(parts) part(s), \(shards) shard(s), \(records) records, "
                + "\(bytes) bytes (\(linked) linked, \(copied) copied) in \(String(format: "%.2f", seconds))s"
        }
    }

    /// Settings that name a part's run rather than the data (`input`: where that machine read
    /// the documents), allowed to differ between the parts; the merged manifest keeps part 0's.
    public static let runNamingKeys: Set<String> = ["input"]

    public static func run(_ options: Options) throws -> Summary {
        let started = DispatchTime.now()
        let output = options.output
        guard !FileManager.default.fileExists(atPath: output) else {
            throw MaskingError.badInput(path: output, detail: "already exists; remove it or choose another --output")
        }
        let parts = try MergeParts(directories: options.inputs)
        if options.verify {
            for part in parts.ordered {
                let check = Dataset.verify(directory: part.directory, all: true)
                if let problem = check.problems.first {
                    throw MaskingError.badInput(path: part.directory, detail: "does not verify: \(problem.message)")
                }
            }
        }

        let staging = output + ".partial-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw MaskingError.io(path: staging, detail: "cannot create directory: \(error.localizedDescription)")
        }
        do {
            var linked = 0, copied = 0
            for (part, shard, name) in parts.placements {
                let source = (part.directory as NSString).appendingPathComponent(shard.file)
                let target = (staging as NSString).appendingPathComponent(name)
                if try place(source, at: target, copy: options.copy) { linked += 1 } else { copied += 1 }
            }
            let first = parts.ordered[0]
            for name in parts.sideFiles {
                let source = (first.directory as NSString).appendingPathComponent(name)
                _ = try place(source, at: (staging as NSString).appendingPathComponent(name), copy: true)
            }
            let manifest = parts.mergedManifest()
            do { try Dataset.writeManifest(manifest, to: staging) } catch { throw MaskingJob.wrap(error) }
            guard rename(staging, output) == 0 else {
                throw MaskingError.io(
                    path: output, detail: "rename from \(staging) failed: \(String(cString: strerror(errno)))")
            }
            syncParent(of: output)
            return Summary(
                output: output, parts: parts.ordered.count, shards: manifest.shards.count,
                records: manifest.totalRecords, bytes: manifest.shards.reduce(0) { $0 + $1.bytes }, linked: linked,
                copied: copied, seconds: MaskingJob.seconds(since: started))
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    /// Hard-links `source` at `target`, or copies it (asked for, or linking impossible) and
    /// fsyncs the copy. Returns whether it linked.
    private static func place(_ source: String, at target: String, copy: Bool) throws -> Bool {
        if !copy && link(source, target) == 0 { return true }
        do { try FileManager.default.copyItem(atPath: source, toPath: target) } catch {
            throw MaskingError.io(path: source, detail: "cannot copy to \(target): \(error.localizedDescription)")
        }
        let fd = open(target, O_RDONLY)
        defer { if fd >= 0 { close(fd) } }
        guard fd >= 0, fsync(fd) == 0 else {
            throw MaskingError.io(path: target, detail: "fsync failed: \(String(cString: strerror(errno)))")
        }
        return false
    }

    private static func syncParent(of path: String) {
        // By hand: Foundation's deletingLastPathComponent traps on some one-character paths.
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        let parent = trimmed.lastIndex(of: "/").map { String(trimmed[..<$0]) } ?? "."
        let fd = open(parent.isEmpty ? "/" : parent, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
