/// The identity of a job's settings: the SHA-256 of one canonical text, so that two runs agree
/// on "same config" exactly when every setting and every input identity agrees.
///
/// The text is the settings as `key=value` lines in key order, then the identities (input
/// files, input shards, vocabulary: what the settings name but do not contain) as `key=value`
/// lines in the order given, all joined by `\n`. Identities come last and unsorted because their
/// order is meaningful (the order of the inputs is part of the output).
public enum ConfigurationHash {
    /// The lowercase hex SHA-256 of the canonical text of `settings` and `identities`.
    public static func sha256(settings: [String: String], identities: [(key: String, value: String)] = []) -> String {
        SHA256Hasher.hex(of: Array(canonicalText(settings: settings, identities: identities).utf8))
    }

    static func canonicalText(settings: [String: String], identities: [(key: String, value: String)]) -> String {
        let lines =
            settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            + identities.map { "\($0.key)=\($0.value)" }
        return lines.joined(separator: "\n")
    }
}
