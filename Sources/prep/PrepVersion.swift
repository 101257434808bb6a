import Foundation
import Shards

/// What `prep --version` prints: the tool's version and the version of the shard format it
/// writes (and reads), the one number that tells whether datasets from two builds mix.
enum PrepVersion {
    static let version = "0.1.0"

    static func line(json: Bool) -> String {
        let format = DatasetManifest.currentFormatVersion
        return json
            ? "{\"version\":\"\(version)\",\"shard_format_version\":\(format)}"
            : "prep \(version) (shard format \(format))"
    }

    /// Whether the arguments (without the program name) ask for the version as JSON
    /// (`--version --json`, either order) or as a line (`--version`); nil when they do not.
    static func requested(_ arguments: [String]) -> Bool? {
        switch arguments.count {
        case 1 where arguments == ["--version"]: return false
        case 2 where Set(arguments) == ["--version", "--json"]: return true
        default: return nil
        }
    }
}
