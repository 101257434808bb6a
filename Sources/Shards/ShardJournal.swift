import Foundation

/// `.journal.jsonl` in a resumable output directory: every shard finished so far, with what the
/// job needs to continue after it (`State`: counts, a resume position), under the config hash
/// they were made with. Removed once the manifest is written; a journal of another config is
/// ignored (and replaced).
///
/// JSON lines: a header `{"config_hash": …}`, then one line per finished shard, appended and
/// fsynced as the shard is finished. Appending keeps the cost per shard constant (rewriting a
/// whole journal per shard grows with the shard count); a line cut by a crash does not decode
/// and is dropped on the next open, which rewrites the journal from the lines that decode.
final class ShardJournal<State: Codable> {
    private struct Header: Codable { var configHash: String }
    private struct Line: Codable {
        var shard: Int
        var summary: ShardSummary
        var state: State
    }

    let path: String
    let configHash: String
    /// Finished shards by index (a later line for the same shard wins).
    private(set) var entries: [Int: (summary: ShardSummary, state: State)] = [:]
    private var fd: Int32 = -1

    /// Opens the journal in `directory`: keeps the entries of a journal of `configHash`, drops
    /// any other, and rewrites the file (atomically) with what it keeps.
    init(directory: String, configHash: String) throws {
        path = (directory as NSString).appendingPathComponent(journalFileName)
        self.configHash = configHash
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        if let data = FileManager.default.contents(atPath: path) {
            let lines = data.split(separator: 0x0A)
            if let first = lines.first, (try? decoder.decode(Header.self, from: first))?.configHash == configHash {
                for line in lines.dropFirst() {
                    if let l = try? decoder.decode(Line.self, from: line) { entries[l.shard] = (l.summary, l.state) }
                }
            }
        }
        var text = try Self.encode(Header(configHash: configHash))
        for (shard, entry) in entries.sorted(by: { $0.key < $1.key }) {
            text += try Self.encode(Line(shard: shard, summary: entry.summary, state: entry.state))
        }
        try Dataset.writeAtomically(text, to: path)
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        if fd < 0 { throw ShardError.io(path, "cannot open journal", errno: errno) }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends shard `index` (durably: the line is fsynced).
    func append(_ index: Int, summary: ShardSummary, state: State) throws {
        let line = try Self.encode(Line(shard: index, summary: summary, state: state))
        if let failure = Dataset.writeAndSync(line, to: fd, path: path, file: "the journal") { throw failure }
        entries[index] = (summary, state)
    }

    /// Forgets shard `index` (it did not verify), until it is appended again.
    func forget(_ index: Int) { entries[index] = nil }

    /// Closes and removes the journal (the dataset is complete).
    func remove() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(path)
    }

    private static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }
}

/// Outside the generic type: a generic type cannot have stored static properties.
let journalFileName = ".journal.jsonl"
