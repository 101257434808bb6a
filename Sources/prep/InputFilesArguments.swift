import ArgumentParser

/// The inputs of the corpus jobs (tokenize, vocab): files, directories or standard input.
struct InputFilesArguments: ParsableArguments {
    @Option(
        parsing: .upToNextOption,
        help:
            "Input files (text, JSONL, or .zst/.gz of either), directories (their files, recursively, sorted), or - for standard input."
    ) var input: [String]

    @Option(
        help:
            "With directory inputs: the file names to take (fnmatch, e.g. '*.jsonl.gz'); default: .txt, .text, .jsonl, .ndjson, .json, plain or .gz/.zst."
    )
    var glob: String?

    func validate() throws {
        guard !input.isEmpty else { throw ValidationError("give at least one --input") }
    }
}
