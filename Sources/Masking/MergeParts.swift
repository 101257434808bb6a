import Corpus
import Foundation
import Shards

/// The parts given to `prep merge`, checked to make up one partitioned job exactly: each part's
/// manifest says which part it is (`PartitionedRun` keys), all agree on everything that decides
/// the bytes, every part 0..<N is there once, and their units follow each other.
///
/// Two kinds: parts of `prep mask` (instances; units are output shards, named as the single
/// run names them) and of `prep tokenize` (documents; units are input bytes, each part's shards
/// numbered from 0, renumbered into one sequence by the merge).
struct MergeParts {
    struct Part {
        let directory: String
        let manifest: DatasetManifest
        let partition: Partition
        let units: Range<Int>
    }

    /// The parts in partition order.
    let ordered: [Part]
    /// "documents" or "instances", the same for every part.
    var kind: String { ordered[0].manifest.kind }
    /// Files besides shards and the manifest that the dataset carries (its vocabulary), copied
    /// from part 0.
    let sideFiles: [String]

    init(directories: [String]) throws {
        guard !directories.isEmpty else {
            throw MaskingError.badInput(path: "prep merge", detail: "no input datasets given")
        }
        var parts: [Part] = []
        for directory in directories {
            let manifest: DatasetManifest
            do { manifest = try Dataset.readManifest(in: directory) } catch { throw MaskingJob.wrap(error) }
            func bad(_ detail: String) -> MaskingError { .badInput(path: directory, detail: detail) }
            guard manifest.kind == "instances" || manifest.kind == "documents" else {
                throw bad(
                    "is a \(manifest.kind) dataset; prep merge joins the parts of prep tokenize or prep mask --partition I/N"
                )
            }
            guard let text = manifest.config[PartitionedRun.partitionKey], let partition = Partition(parsing: text),
                let unitsText = manifest.config[PartitionedRun.unitsKey], let units = PartitionedRun.units(unitsText)
            else {
                throw bad("is not one part of a partitioned run (its manifest has no \"partition\"); nothing to merge")
            }
            // Instance parts hold the single run's shards of their units; document parts number
            // their own shards from 0.
            let names =
                manifest.kind == "instances"
                ? units.map { Dataset.shardPath(in: "", index: $0) }
                : manifest.shards.indices.map { Dataset.shardPath(in: "", index: $0) }
            guard names.count == manifest.shards.count, zip(names, manifest.shards).allSatisfy({ $0 == $1.file }) else {
                throw bad("manifest lists \(manifest.shards.count) shard(s) for units \(unitsText)")
            }
            for shard in manifest.shards {
                let path = (directory as NSString).appendingPathComponent(shard.file)
                let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
                guard let size else { throw bad("\(shard.file) is missing") }
                guard size == shard.bytes else {
                    throw bad("\(shard.file) has \(size) bytes, the manifest says \(shard.bytes)")
                }
            }
            if manifest.kind == "instances" {
                guard InstanceStatistics(manifest: manifest) != nil else {
                    throw bad("manifest has no readable run summary")
                }
            } else {
                guard let text = manifest.config[TokenizeJob.digestKey],
                    let digest = DocumentStreamDigest(parsing: text), digest.documents == manifest.totalRecords
                else {
                    throw bad(
                        "manifest has no valid \(TokenizeJob.digestKey) for its \(manifest.totalRecords) documents")
                }
            }
            parts.append(Part(directory: directory, manifest: manifest, partition: partition, units: units))
        }
        ordered = try Self.checkedOrder(parts)
        sideFiles = try Self.sideFiles(of: ordered[0])
    }

    /// Settings that must be equal in every part: all but the partition's own keys, the
    /// run-naming ones and the statistics (which are per part and summed).
    private static func comparableConfig(_ m: DatasetManifest) -> [String: String] {
        m.config.filter {
            !PartitionedRun.keys.contains($0.key) && !DatasetMerge.runNamingKeys.contains($0.key)
                && $0.key != "summary" && $0.key != MaskingJob.configHashKey && $0.key != TokenizeJob.digestKey
        }
    }

    private static func checkedOrder(_ parts: [Part]) throws -> [Part] {
        let first = parts[0]
        let reference = comparableConfig(first.manifest)
        var byIndex: [Int: Part] = [:]
        for part in parts {
            func bad(_ detail: String) -> MaskingError { .badInput(path: part.directory, detail: detail) }
            let m = part.manifest
            guard m.kind == first.manifest.kind else {
                func command(_ kind: String) -> String { kind == "documents" ? "prep tokenize" : "prep mask" }
                throw bad("is a part of \(command(m.kind)), \(first.directory) of \(command(first.manifest.kind))")
            }
            guard part.partition.count == first.partition.count else {
                throw bad("is part \(part.partition) but \(first.directory) is part \(first.partition)")
            }
            let config = comparableConfig(m)
            if config != reference {
                let key = Set(config.keys).union(reference.keys).sorted().first { config[$0] != reference[$0] }!
                throw bad(
                    "setting \(key) is \(config[key] ?? "absent"), \(first.directory) has \(reference[key] ?? "absent")"
                )
            }
            guard
                m.config[PartitionedRun.shardConfigHashKey] == first.manifest.config[PartitionedRun.shardConfigHashKey],
                m.config[PartitionedRun.totalUnitsKey] == first.manifest.config[PartitionedRun.totalUnitsKey],
                m.schema == first.manifest.schema, m.formatVersion == first.manifest.formatVersion
            else {
                throw bad("is not a part of the same job as \(first.directory) (other input or settings)")
            }
            guard m.vocab == first.manifest.vocab else {
                throw bad("vocabulary \(m.vocab.sha256.prefix(12)) differs from \(first.directory)'s")
            }
            if let other = byIndex[part.partition.index] {
                throw bad("is part \(part.partition), as is \(other.directory); give each part once")
            }
            byIndex[part.partition.index] = part
        }
        let n = first.partition.count
        let missing = (0..<n).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw MaskingError.badInput(
                path: first.directory,
                detail:
                    "part(s) \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")) missing; all \(n) parts are needed"
            )
        }
        let ordered = (0..<n).map { byIndex[$0]! }
        var next = 0
        for part in ordered {
            guard part.units.lowerBound == next else {
                throw MaskingError.badInput(
                    path: part.directory, detail: "units \(part.units) do not follow the previous part's (..<\(next))")
            }
            next = part.units.upperBound
        }
        guard String(next) == first.manifest.config[PartitionedRun.totalUnitsKey] else {
            throw MaskingError.badInput(
                path: ordered[n - 1].directory,
                detail: "the parts end at unit \(next) of \(first.manifest.config[PartitionedRun.totalUnitsKey] ?? "?")"
            )
        }
        return ordered
    }

    private static func sideFiles(of part: Part) throws -> [String] {
        var names = [part.manifest.vocab.file]
        let json = "tokenizer.json"
        if json != names[0],
            FileManager.default.fileExists(atPath: (part.directory as NSString).appendingPathComponent(json))
        {
            names.append(json)
        }
        for name in names {
            let path = (part.directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MaskingError.badInput(path: part.directory, detail: "\(name) is missing")
            }
            if name == part.manifest.vocab.file && SHA256Hasher.hex(of: [UInt8](data)) != part.manifest.vocab.sha256 {
                throw MaskingError.badInput(path: path, detail: "does not match the manifest's vocabulary digest")
            }
        }
        return names
    }

    /// Each part's shard files and the names they take in the merged dataset, in order.
    var placements: [(part: Part, shard: ShardSummary, name: String)] {
        var out: [(Part, ShardSummary, String)] = []
        for part in ordered {
            for shard in part.manifest.shards {
                out.append(
                    (part, shard, kind == "instances" ? shard.file : Dataset.shardPath(in: "", index: out.count)))
            }
        }
        return out
    }

    /// The single run's manifest (for documents, but for the shard list: the parts cut their
    /// shards where their own input ended).
    func mergedManifest() -> DatasetManifest {
        kind == "instances" ? mergedInstanceManifest() : mergedDocumentManifest()
    }

    /// Part 0's settings without the partition keys, the part's hash and counts; the digest of
    /// all parts' documents in order; every part's shards, renumbered.
    private func mergedDocumentManifest() -> DatasetManifest {
        var manifest = ordered[0].manifest
        var digest = DocumentStreamDigest()
        for part in ordered {
            // Checked on reading the parts.
            digest.append(DocumentStreamDigest(parsing: part.manifest.config[TokenizeJob.digestKey]!)!)
        }
        for key in PartitionedRun.keys { manifest.config[key] = nil }
        manifest.config[TokenizeJob.partConfigHashKey] = nil
        manifest.config[TokenizeJob.partSummaryKey] = nil
        manifest.config[TokenizeJob.digestKey] = digest.description
        manifest.shards = placements.map { placement in
            var shard = placement.shard
            shard.file = placement.name
            return shard
        }
        return manifest
    }

    /// Part 0's settings without the partition keys, the hash the single run records, the
    /// summed statistics, every part's shards in order.
    private func mergedInstanceManifest() -> DatasetManifest {
        var manifest = ordered[0].manifest
        var statistics = InstanceStatistics()
        for part in ordered {
            if let s = InstanceStatistics(manifest: part.manifest) { statistics += s }
        }
        let shardHash = manifest.config[PartitionedRun.shardConfigHashKey]
        for key in PartitionedRun.keys { manifest.config[key] = nil }
        manifest.config[MaskingJob.configHashKey] = shardHash
        manifest.config.merge(statistics.manifestSettings) { _, new in new }
        manifest.shards = ordered.flatMap(\.manifest.shards)
        return manifest
    }
}
