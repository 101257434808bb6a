import Foundation

/// `.journal.json` in a resumable output directory: every shard finished so far, with what the
/// job needs to continue after it (`State`: counts, a resume position), under the config hash
/// they were made with. Rewritten atomically after each finished shard, removed once the
/// manifest is written; a journal of another config is ignored.
struct ShardJournal<State: Codable>: Codable {
    struct Entry: Codable {
        var summary: ShardSummary
        var state: State
    }

    var configHash: String
    /// By shard index (in decimal: JSON object keys are strings).
    var shards: [String: Entry] = [:]

    init(configHash: String) { self.configHash = configHash }

    /// The journal in `directory` if it was written for `configHash`, else an empty one.
    static func load(in directory: String, configHash: String) -> ShardJournal {
        let path = (directory as NSString).appendingPathComponent(journalFileName)
        if let data = FileManager.default.contents(atPath: path),
           let journal = try? JSONDecoder().decode(ShardJournal.self, from: data), journal.configHash == configHash {
            return journal
        }
        return ShardJournal(configHash: configHash)
    }

    func save(in directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try Dataset.writeAtomically(try encoder.encode(self), to: (directory as NSString).appendingPathComponent(journalFileName))
    }

    subscript(index: Int) -> Entry? {
        get { shards[String(index)] }
        set { shards[String(index)] = newValue }
    }
}

/// Outside the generic type: a generic type cannot have stored static properties.
let journalFileName = ".journal.json"
