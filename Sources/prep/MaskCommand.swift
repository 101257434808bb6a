import ArgumentParser
import Foundation
import Masking
import Shards

/// `prep mask`: argument handling only; the work is `MaskingJob.run`.
struct MaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mask",
        abstract: "Turn a tokenized document dataset into masked pretraining instances.",
        discussion: """
            Output bytes depend only on the settings and the input, never on --threads. \
            An interrupted run (Ctrl-C, kill, full disk) resumes when run again: verified \
            finished shards are kept. Exit status 2: bad input or arguments; 1: failure while running.
            """
    )

    @Option(help: "Dataset directory written by prep tokenize.") var input: String
    @Option(help: "Output dataset directory.") var output: String
    @Flag(help: "Google BERT whole-word masking.") var wholeWord = false
    @Flag(help: "SpanBERT: geometric spans of whole words, one 80/10/10 decision per span.") var span = false
    @Option(help: "Whole-word n-grams up to N words, P(n) ∝ 1/n (DeBERTa/Megatron).") var ngram: Int?
    @Option(
        help:
            "Masking strategy: \(MaskingStrategy.spellings), as in prep stream and prep train; --whole-word, --span and --ngram N are shorthands (default: token)."
    )
    var mask: String?
    @Option(help: "Sentence pairs: none (full-sentence packing), nsp (Google BERT) or sop (ALBERT).") var pairs = "none"
    @Option(help: "Sequence length including [CLS]/[SEP].") var maxSeqLength = 128
    @Option(help: "Masked positions per instance at most (default: round(0.15 × max length)).") var maxPredictions: Int?
    @Option(help: "Share of tokens to mask.") var maskedLmProb = 0.15
    @Option(help: "Share of masked tokens replaced by [MASK].") var maskTokenProb = 0.8
    @Option(help: "Share of masked tokens replaced by a random non-special token.") var randomTokenProb = 0.1
    @Option(help: "Copies of each document with different instances and masks.") var dupeFactor = 1
    @Option(help: "Chance per document of a shorter target length.") var shortSeqProb = 0.1
    @Option(help: "Random seed.") var seed: UInt64 = 12345
    @Option(help: "Worker threads (default: all cores); output does not depend on it.") var threads: Int?
    @Option(help: "Vocabulary file (default: the one the input manifest names, in the input directory).") var vocab:
        String?
    @Option(help: "Documents per output shard (fixed boundaries make resume possible).") var documentsPerShard = 8192
    @Option(
        help:
            "zstd level of the output shards (-50...19, literals always Huffman-coded; write a negative level as --zstd-level=-4); -12 is fast, 1 or 3 give ~12-20% smaller shards."
    ) var zstdLevel = -12
    @Option(
        help:
            "Write only part I of N (0 ≤ I < N) of the output shards, e.g. \"$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\"; prep merge joins the parts into the single run's dataset."
    ) var partition: String?
    @Flag(help: "Print the run summary as one JSON object instead of a line.") var json = false

    func validate() throws {
        _ = try strategy()
        var numbers = NumericOptions()
        numbers.check("max-seq-length", maxSeqLength, .within(8, 65_535))
        numbers.check("max-predictions", maxPredictions, .positive)
        numbers.check("masked-lm-prob", maskedLmProb, .openUnit)
        numbers.check("mask-token-prob", maskTokenProb, .probability)
        numbers.check("random-token-prob", randomTokenProb, .probability)
        numbers.check("dupe-factor", dupeFactor, .within(1, 1000))
        numbers.check("short-seq-prob", shortSeqProb, .probability)
        numbers.check("threads", threads, .positive)
        numbers.check("documents-per-shard", documentsPerShard, .positive)
        numbers.check("zstd-level", zstdLevel, .within(-50, 19))
        numbers.check("ngram", ngram, .within(1, 16))
        if maskTokenProb + randomTokenProb > 1 + 1e-12 {
            numbers.add("--mask-token-prob and --random-token-prob must sum to at most 1")
        }
        if SentencePairing(rawValue: pairs) == nil { numbers.add("--pairs must be none, nsp or sop") }
        if let partition, Partition(parsing: partition) == nil {
            numbers.add("--partition must be I/N with 0 ≤ I < N, not \"\(partition)\"")
        }
        try numbers.validate()
    }

    /// The one strategy the options name, each read by `MaskingStrategy(parsing:)`; naming
    /// two is refused, so no option silently overrides another.
    func strategy() throws -> MaskingStrategy {
        let given = [
            wholeWord ? (option: "--whole-word", spelling: "whole-word") : nil,
            span ? (option: "--span", spelling: "span") : nil,
            ngram.map { (option: "--ngram", spelling: "ngram:\($0)") },
            mask.map { (option: "--mask", spelling: $0) },
        ].compactMap { $0 }
        guard given.count <= 1 else {
            let options = given.map(\.option)
            throw ValidationError(
                "choose one masking strategy, not \(options.dropLast().joined(separator: ", ")) and \(options.last!)")
        }
        guard let chosen = given.first else { return .token }
        do { return try MaskingStrategy(parsing: chosen.spelling) } catch {
            throw ValidationError("\(chosen.option): \(error)")
        }
    }

    func run() throws {
        var job = MaskingJobConfiguration(input: input, output: output)
        job.instances.maxSequenceLength = maxSeqLength
        job.instances.pairing = SentencePairing(rawValue: pairs)!
        job.instances.shortSequenceProbability = shortSeqProb
        job.instances.dupeFactor = dupeFactor
        job.masking.strategy = try strategy()
        job.masking.maskedLMProbability = maskedLmProb
        job.masking.maxPredictions =
            maxPredictions
            ?? MaskingJobConfiguration.defaultMaxPredictions(maxSequenceLength: maxSeqLength)
        job.masking.maskTokenProbability = maskTokenProb
        job.masking.randomTokenProbability = randomTokenProb
        job.seed = seed
        if let threads { job.threads = threads }
        job.vocabulary = vocab
        job.documentsPerShard = documentsPerShard
        job.partition = partition.flatMap(Partition.init(parsing:))
        job.compressionLevel = zstdLevel
        let progress = ProgressDisplay(label: "mask")
        job.progress = { progress.update($0) }
        try reportingErrors {
            let summary = try MaskingJob.run(job)
            progress.finish()
            try printSummary(summary, json: json) { summary.line }
        }
    }
}
