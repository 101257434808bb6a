import ArgumentParser
import Foundation
import Masking

/// `prep inspect`: argument handling only; the rendering is `DatasetInspector`.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the records of a dataset: tokens decoded, masks marked {shown→label}.",
        discussion:
            "--json prints one object per record in dataset order (input_ids, segment_ids, masked_positions, masked_labels, and next_sentence_label when pairs are on)."
    )

    @Argument(help: "Dataset directory (manifest.json plus shards).") var directory: String
    @Flag(help: "One JSON object per record instead of the readable view.") var json = false
    @Option(help: "Show at most N records.") var limit: Int?
    @Option(help: "Vocabulary file (default: the one the manifest names, in the dataset directory).") var vocab: String?

    func validate() throws {
        var numbers = NumericOptions()
        numbers.check("limit", limit, .nonNegative)
        try numbers.validate()
    }

    func run() throws {
        try reportingErrors {
            let inspector = try DatasetInspector(directory: directory, vocabulary: vocab)
            var buffer = ""
            let out = FileHandle.standardOutput
            try inspector.render(json: json, limit: limit) { text in
                buffer += text
                buffer += "\n"
                if buffer.utf8.count > 1 << 16 { out.write(Data(buffer.utf8)); buffer = "" }
            }
            out.write(Data(buffer.utf8))
        }
    }
}
