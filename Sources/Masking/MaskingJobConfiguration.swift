import Foundation
import Shards

/// Everything `prep mask` needs; the same run is reachable from Swift code and tests.
public struct MaskingJobConfiguration: Sendable {
    public var input: String
    public var output: String
    public var instances = InstanceOptions()
    public var masking = MaskingOptions()
    public var seed: UInt64 = 12345
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Vocabulary file; default: the file the input manifest names, looked up in the input directory.
    public var vocabulary: String? = nil
    /// Output shard boundaries: the input's documents in runs of this many. Fixed by
    /// the config (not by threads) so a re-run finds the same shards to keep.
    public var documentsPerShard = 8192
    /// `--partition I/N`: write only part I's share of the output shards (the same files the
    /// single run writes for them); `prep merge` joins the parts. Nil: the whole dataset.
    public var partition: Partition? = nil
    /// zstd level of the output blocks, with Huffman-coded literals at every level (zstd's own
    /// negative levels leave literals raw). Masked instances are near-random token streams, so
    /// zstd's negative levels gain little from matches, while entropy-coding the literals (the high
    /// bytes of 16-bit ids are mostly small) is cheap: on layout-2 records (1 MiB blocks, this
    /// machine) −12 with Huffman literals compresses as well as plain −2 (1.30× on the bench
    /// corpus, 1.44× on text without repeats) 15–25% faster; decompression drops from ~1.4 to
    /// ~0.9 GB/s, far above what the loader needs. `--zstd-level 1` (or 3) for smaller shards.
    public var compressionLevel = -12
    /// Decompressed input blocks (about 1 MB each) kept for NSP's random reads, shared by all
    /// workers: the whole input up to this size, a proportional share of hits beyond it.
    var randomAccessCacheBlocks = 128
    /// Documents one worker handles at a time (the unit of parallel, ordered output).
    var documentsPerBatch = 64
    /// Called on the calling thread after each batch is written: documents done of all.
    public var progress: (@Sendable (ProgressEvent) -> Void)? = nil
    /// Tests: stop with `MaskingError.interrupted` after this many shards were written in this
    /// run, leaving the next shard's temporary file behind as a killed process would.
    var interruptAfterShards: Int? = nil

    public init(input: String, output: String) { self.input = input; self.output = output }

    /// The default `--max-predictions`: round(0.15 × max length), half to even as Python.
    public static func defaultMaxPredictions(maxSequenceLength: Int) -> Int {
        Int((0.15 * Double(maxSequenceLength)).rounded(.toNearestOrEven))
    }

    /// Argument errors, one line each, before anything is read or written.
    func validate() throws {
        func bad(_ d: String) -> MaskingError { .badInput(path: output, detail: d) }
        let L = instances.maxSequenceLength
        guard (8...65_535).contains(L) else { throw bad("--max-seq-length must be in 8...65535, got \(L)") }
        guard masking.maskedLMProbability > 0 && masking.maskedLMProbability <= 1 else {
            throw bad("--masked-lm-prob must be in (0, 1], got \(masking.maskedLMProbability)")
        }
        guard masking.maxPredictions >= 1 else { throw bad("--max-predictions must be at least 1") }
        guard masking.maskTokenProbability >= 0, masking.randomTokenProbability >= 0,
            masking.maskTokenProbability + masking.randomTokenProbability <= 1 + 1e-12
        else {
            throw bad("mask/random token probabilities must be ≥ 0 and sum to at most 1")
        }
        if case let .ngram(n) = masking.strategy, n < 1 || n > 16 {
            throw bad("--ngram must be in 1...16, got \(n)")
        }
        guard (0...1).contains(instances.shortSequenceProbability) else {
            throw bad("--short-seq-prob must be in [0, 1], got \(instances.shortSequenceProbability)")
        }
        guard instances.dupeFactor >= 1 && instances.dupeFactor <= 1000 else {
            throw bad("--dupe-factor must be in 1...1000")
        }
        guard threads >= 1 else { throw bad("--threads must be at least 1") }
        guard (-50...19).contains(compressionLevel) else {
            throw bad("--zstd-level must be in -50...19, got \(compressionLevel)")
        }
        guard documentsPerShard >= 1, documentsPerBatch >= 1 else {
            throw bad("shard and batch sizes must be positive")
        }
    }

    /// Settings that decide the output bytes, as the manifest records them (threads are not among them).
    func settings() -> [String: String] {
        [
            "command": "prep mask",
            "masking.strategy": masking.strategy.description,
            "masking.masked_lm_prob": "\(masking.maskedLMProbability)",
            "masking.max_predictions": "\(masking.maxPredictions)",
            "masking.mask_token_prob": "\(masking.maskTokenProbability)",
            "masking.random_token_prob": "\(masking.randomTokenProbability)",
            "instances.max_seq_length": "\(instances.maxSequenceLength)",
            "instances.pairs": instances.pairing.rawValue,
            "instances.short_seq_prob": "\(instances.shortSequenceProbability)",
            "instances.dupe_factor": "\(instances.dupeFactor)",
            "seed": "\(seed)",
            "documents_per_shard": "\(documentsPerShard)",
            "zstd_level": "\(compressionLevel)",
            "zstd_literals": "huffman",
            "algorithm": MaskingJob.algorithmVersion,
        ]
    }
}

/// What a run did: the summary line / JSON of `prep mask`.
public struct MaskingRunSummary: Sendable, Codable, Equatable {
    public var output: String
    public var statistics: InstanceStatistics
    public var shards: Int
    /// Shards kept from an earlier, interrupted run (verified, same config).
    public var shardsReused: Int
    public var configHash: String
    public var seconds: Double

    public var line: String {
        let s = statistics
        return "\(output): \(s.instances) instances, \(s.tokens) tokens, \(s.maskedTokens) masked, "
            + "\(s.documents) documents (\(s.documentsSplit) split, \(s.emptyDocuments) empty), "
            + "\(s.sentencesSplit) sentences split, \(s.tokensTruncated) tokens truncated, "
            + "\(shards) shards (\(shardsReused) kept from an earlier run) in \(String(format: "%.1f", seconds)) s"
    }
}
