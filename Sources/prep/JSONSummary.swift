import Foundation

/// Prints a command's `--json` summary: one line of key-sorted JSON with snake_case keys, the
/// same encoding in every command so scripts can parse any of them alike.
func printJSONSummary<Summary: Encodable>(_ summary: Summary) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    var data = try encoder.encode(summary)
    data.append(10)
    FileHandle.standardOutput.write(data)
}
