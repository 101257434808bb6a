import Foundation

/// What the manifest of one part of a partitioned job records (its `config` keys), so that
/// `prep merge` can check the parts fit together and write the single run's manifest.
public enum PartitionedRun {
    /// "I/N".
    public static let partitionKey = "partition"
    /// The part's units (output shards), "lo..<hi".
    public static let unitsKey = "partition.units"
    /// How many units the whole job has.
    public static let totalUnitsKey = "partition.total_units"
    /// The config hash of the settings without the partition: what the single run records as
    /// its `config_hash`, and what the part's shards carry.
    public static let shardConfigHashKey = "partition.config_hash"

    /// Every key above: a merged manifest drops them.
    public static let keys: Set<String> = [partitionKey, unitsKey, totalUnitsKey, shardConfigHashKey]

    /// Parses "lo..<hi".
    public static func units(_ text: String) -> Range<Int>? {
        let parts = text.components(separatedBy: "..<")
        guard parts.count == 2, let lo = Int(parts[0]), let hi = Int(parts[1]), lo <= hi, lo >= 0 else { return nil }
        return lo..<hi
    }
}
