import ArgumentParser
import Corpus
import Foundation
import Shards

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize a corpus into document shards plus manifest.json (input of prep mask).",
        discussion: """
            Text input: one sentence per line, a blank line between documents (Google BERT's format).
            JSONL input: one document per line, its "text" split into sentences at \\n.
            Files ending in .zst or .gz are decompressed on the fly; a compressed or binary file not
            named as such (gzip, zstd, Parquet, zip, xz by their first bytes) is refused. The output bytes do not depend on --threads.
            """
    )

    @Option(help: "vocab.txt or tokenizer.json.") var vocab: String
    @OptionGroup var files: InputFilesArguments
    @Option(help: "Output dataset directory.") var output: String
    @Flag(help: "Print the run summary as one JSON object instead of a sentence.") var json = false
    @Option(help: "text, jsonl, or auto (by file name: .jsonl[.zst] is JSONL, anything else text).") var format = "auto"
    @Option(help: "Tokenizer threads (default: all cores); output does not depend on it.") var threads: Int?
    @OptionGroup var text: TextInputArguments
    @Option(help: "Tokens per shard before a new shard starts.") var shardTokens = 128 << 20
    @Option(
        help:
            "Tokenize only part I of N (0 ≤ I < N) of the input bytes, cut at document boundaries (compressed files whole), e.g. \"$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\"; prep merge joins the parts."
    ) var partition: String?

    func validate() throws {
        guard format == "auto" || InputFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be text, jsonl or auto")
        }
        var numbers = NumericOptions()
        numbers.check("threads", threads, .within(1, 256))
        numbers.check("shard-tokens", shardTokens, .positive)
        if let partition, Partition(parsing: partition) == nil {
            numbers.add("--partition must be I/N with 0 ≤ I < N, not \"\(partition)\"")
        }
        try numbers.validate()
    }

    func run() throws {
        var job = TokenizeJob(vocabularyPath: vocab, inputs: files.input, outputDirectory: output)
        job.format = InputFormat(rawValue: format)
        job.threads = threads ?? DefaultThreads.allCores
        job.glob = files.glob
        job.normalizer = text.normalizer.overrides
        job.onInvalid = text.invalidUTF8
        job.maxInvalidUTF8 = text.maxInvalidUTF8
        job.textFields = text.validatedTextFields
        job.shardTokens = shardTokens
        job.partition = partition.flatMap(Partition.init(parsing:))
        let progress = ProgressDisplay(label: "tokenize")
        job.progress = { progress.update($0) }
        try reportingErrors {
            defer { progress.finish() }
            let s = try job.run()
            progress.finish()
            for w in s.warnings { FileHandle.standardError.write(Data((w + "\n").utf8)) }
            try printSummary(s, json: json) {
                String(
                    format: "%@: %d documents, %d sentences, %d tokens in %d shard(s); %.1f MB in %.1fs (%.1f MB/s)",
                    s.output, s.documents, s.sentences, s.tokens, s.shards, Double(s.inputBytes) / 1e6, s.seconds,
                    s.megabytesPerSecond)
            }
        }
    }
}
