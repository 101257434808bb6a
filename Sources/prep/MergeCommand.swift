import ArgumentParser
import Foundation
import Masking

/// `prep merge`: argument handling only; the work is `DatasetMerge.run`.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the parts of a partitioned prep mask or prep tokenize (--partition I/N) into one dataset.",
        discussion: """
            Checks that the parts are one job (same input, settings, vocabulary and N; every part \
            once), then hard-links their shards into --output and writes one manifest. Mask parts: \
            the dataset the single run writes, byte for byte, except the \"input\" setting, which is \
            part 0's. Tokenize parts: the single run's documents, ids and manifest settings, its shards \
            cut where each part's input ended (renumbered into one sequence), so prep mask over it \
            writes the single run's bytes. Nothing is re-encoded. On any error --output is not created. \
            Exit status 2: bad input or arguments; 1: failure while running.
            """
    )

    @Option(help: "Merged dataset directory (must not exist).") var output: String
    @Argument(help: "The parts' dataset directories, in any order.") var inputs: [String]
    @Flag(help: "Copy the shards instead of hard-linking them.") var copy = false
    @Flag(help: "First check every block checksum of every part (as prep verify --all).") var verify = false
    @Flag(help: "Print the summary as one JSON object instead of a sentence.") var json = false

    func run() throws {
        var options = DatasetMerge.Options(inputs: inputs, output: output)
        options.copy = copy
        options.verify = verify
        try reportingErrors {
            let summary = try DatasetMerge.run(options)
            try printSummary(summary, json: json) { summary.line }
        }
    }
}
