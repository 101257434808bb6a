import Foundation
import Shards

/// The run's statistics in the instance manifest (`config.summary`, as JSON), so that a re-run
/// that finds the finished dataset can report what it holds without reading it.
extension InstanceStatistics {
    /// The `config` entries that record these statistics.
    var manifestSettings: [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let json = (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        return ["summary": json]
    }

    /// The statistics a manifest records, if it has readable ones.
    init?(manifest: DatasetManifest) {
        guard let json = manifest.config["summary"] else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let statistics = try? decoder.decode(InstanceStatistics.self, from: Data(json.utf8)) else { return nil }
        self = statistics
    }
}
