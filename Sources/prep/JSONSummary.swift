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

/// Every command's closing summary, one convention: `--json` prints the summary as one JSON
/// line, otherwise one sentence, both on standard output (progress and warnings go to stderr),
/// so a pipe gets the same thing a terminal does unless it asks for JSON.
func printSummary<Summary: Encodable>(_ summary: Summary, json: Bool, sentence: () -> String) throws {
    if json {
        try printJSONSummary(summary)
    } else {
        print(sentence())
    }
}
