import ArgumentParser
import Foundation
import Loading
import Masking

struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract:
            "Stream batches from instance or document shards: deterministic shuffle, ranks, exact and elastic resume.",
        discussion: """
            The epoch order is a function of (seed, epoch) and the datasets alone; rank R of W takes global \
            batches R, R+W, R+2W, … A state saved with --save-state resumes the same stream exactly \
            (--resume), also at another --world-size. Exit status: 0 done, 2 bad input or usage \
            (options, missing or corrupt data, a state that does not fit), 1 failure while running.
            """
    )

    @Argument(help: "Dataset directories (manifest.json + shards); several are mixed.") var directories: [String]
    @Option(help: "Mixing weights, one per directory, comma-separated (relative shares of the epoch).") var weights:
        String?
    @Option(help: "Samples per batch (per rank).") var batchSize: Int
    @Option(help: "Shuffle seed (default 0, or the --resume file's).") var seed: UInt64?
    @Option(help: "Epoch (default 0, or the --resume file's).") var epoch: Int?
    @Option(help: "Number of ranks sharing the epoch (default 1, or the --resume file's).") var worldSize: Int?
    @Option(help: "This rank, in 0..<world size.") var rank = 0
    @Option(help: "Pad every batch to this length (default: the batch's longest sample).") var padTo: Int?
    @Option(help: "Masked slots per sample (default: the batch's most).") var maxPredictions: Int?
    @Option(
        help:
            "Worker threads for decompression and batch assembly (0: none; default: all cores; the output does not depend on it)."
    )
    var threads = DefaultThreads.allCores
    @Option(help: "Batches prepared ahead of the consumer.") var prefetch = 4
    @Option(help: "Shuffle window, in blocks.") var windowBlocks = 8
    @Option(
        help: "Split shard blocks into read units of at most this many records (finer shuffle, more decompression).")
    var blockRecords: Int?
    @Option(help: "Length bucketing: sort each group of this many global batches by length before batching.")
    var bucketBatches: Int?
    @Flag(help: "Skip corrupt blocks (counted and listed on stderr) instead of stopping.") var skipCorrupt = false
    @Option(
        help: "Mask on the fly: \(MaskingStrategy.spellings) (required for document datasets).",
        transform: MaskingStrategy.init(parsing:))
    var mask: MaskingStrategy?
    @Option(help: "Masked-LM probability for --mask.") var maskedLmProb = 0.15
    @Option(help: "Vocabulary for --mask (default: the manifest's).") var vocab: String?
    @Option(help: "Instance length when building instances from document datasets.") var maxSeqLength = 128
    @Option(help: "Document datasets: none, nsp or sop (as prep mask --pairs).") var pairs = "none"
    @Option(help: "Document datasets: chance of a shorter target length (as prep mask).") var shortSeqProb = 0.1
    @Flag(help: "Print one line per batch: the dataset-global indices of its samples (the order of prep inspect).")
    var printIds = false
    @Option(help: "Stop after this many batches of this rank.") var stopAfterBatches: Int?
    @Option(help: "Write the loader state (JSON) here when stopping.") var saveState: String?
    @Option(help: "Continue the stream saved in this state file.") var resume: String?
    @Flag(help: "Report samples/s, tokens/s and MB/s (on-disk shard bytes) on stdout.") var bench = false
    @Flag(help: "End with the run summary as one JSON object on stdout (after any --print-ids lines).") var json =
        false

    func validate() throws {
        var numbers = NumericOptions()
        numbers.check("batch-size", batchSize, .positive)
        numbers.check("world-size", worldSize, .positive)
        numbers.check("rank", rank, .nonNegative)
        numbers.check("epoch", epoch, .nonNegative)
        numbers.check("threads", threads, .nonNegative)
        numbers.check("prefetch", prefetch, .positive)
        numbers.check("window-blocks", windowBlocks, .positive)
        numbers.check("block-records", blockRecords, .positive)
        numbers.check("bucket-batches", bucketBatches, .positive)
        numbers.check("stop-after-batches", stopAfterBatches, .nonNegative)
        numbers.check("pad-to", padTo, .positive)
        numbers.check("max-predictions", maxPredictions, .positive)
        numbers.check("masked-lm-prob", maskedLmProb, .openUnit)
        numbers.check("max-seq-length", maxSeqLength, .within(8, 65_535))
        numbers.check("short-seq-prob", shortSeqProb, .probability)
        if let w = worldSize, rank >= w { numbers.add("--rank must be below --world-size \(w), got \(rank)") }
        if SentencePairing(rawValue: pairs) == nil { numbers.add("--pairs must be none, nsp or sop") }
        if let w = weights {
            let parsed = w.split(separator: ",", omittingEmptySubsequences: false).map {
                Double($0.trimmingCharacters(in: .whitespaces))
            }
            if parsed.count != directories.count || !parsed.allSatisfy({ $0.map { $0.isFinite && $0 >= 0 } ?? false }) {
                numbers.add("--weights needs \(directories.count) finite non-negative numbers separated by commas")
            }
        }
        try numbers.validate()
    }

    func run() throws {
        try reportingErrors {
            var settings = StreamSettings(directories: directories, batchSize: batchSize)
            settings.weights = weights.map {
                $0.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! }
            }
            settings.seed = seed
            settings.epoch = epoch
            settings.worldSize = worldSize
            settings.rank = rank
            settings.padTo = padTo
            settings.maxPredictions = maxPredictions
            settings.threads = threads
            settings.prefetch = prefetch
            settings.windowBlocks = windowBlocks
            settings.blockRecords = blockRecords
            settings.bucketBatches = bucketBatches
            settings.skipCorrupt = skipCorrupt
            settings.mask = mask
            settings.maskedLmProb = maskedLmProb
            settings.vocab = vocab
            settings.maxSeqLength = maxSeqLength
            settings.pairs = SentencePairing(rawValue: pairs)!
            settings.shortSeqProb = shortSeqProb
            let resolved = try settings.resolve(resumingFrom: try resume.map(StateFile.read))
            if let path = resume, let next = resolved.continuedWithEpoch {
                FileHandle.standardError.write(
                    Data("\(path): epoch \(next - 1) is complete; continuing with epoch \(next)\n".utf8))
            }
            var job = StreamRun(directories: directories, options: resolved.options)
            job.weights = settings.weights
            job.resumeFrom = resolved.resumeFrom
            job.printIDs = printIds
            job.stopAfterBatches = stopAfterBatches
            job.saveStatePath = saveState
            job.bench = bench
            let progress = ProgressDisplay(label: "stream", enabled: !printIds)
            job.progress = { progress.update($0) }
            defer { progress.finish() }
            let out = LineWriter()
            let summary = try job.run(output: out.write)
            progress.finish()
            out.flush()
            for block in summary.statistics.corruptBlocks {
                FileHandle.standardError.write(Data("skipped corrupt block: \(block)\n".utf8))
            }
            if skipCorrupt && summary.statistics.samplesSkipped > 0 {
                FileHandle.standardError.write(
                    Data(
                        "skipped \(summary.statistics.samplesSkipped) samples in \(summary.statistics.corruptBlocks.count) corrupt blocks\n"
                            .utf8))
            }
            if json {
                try printJSONSummary(StreamSummary(summary))
            } else if bench {
                print(
                    String(
                        format:
                            "bench: %d batches, %d samples, %d tokens in %.3f s: %.0f samples/s, %.0f tokens/s, %.1f MB/s of shards",
                        summary.batches, summary.samples, summary.tokens, summary.seconds, summary.samplesPerSecond,
                        Double(summary.tokens) / max(summary.seconds, 1e-9), summary.megabytesPerSecond))
            }
        }
    }
}

/// Buffers stdout lines (a batch of ids per line can be thousands of lines a second).
final class LineWriter {
    private var buffer: [UInt8] = []
    func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }
    func flush() {
        buffer.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(1, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { break }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// `prep stream --json`: what the run read, how fast, and where it stopped.
struct StreamSummary: Encodable {
    var batches: Int
    var samples: Int
    var tokens: Int
    var seconds: Double
    var samplesPerSecond: Double
    var megabytesPerSecond: Double
    var corruptBlocks: [String]
    var samplesSkipped: Int
    var epoch: Int
    var epochComplete: Bool

    init(_ s: StreamRun.Summary) {
        batches = s.batches
        samples = s.samples
        tokens = s.tokens
        seconds = s.seconds
        samplesPerSecond = s.samplesPerSecond
        megabytesPerSecond = s.megabytesPerSecond
        corruptBlocks = s.statistics.corruptBlocks
        samplesSkipped = s.statistics.samplesSkipped
        epoch = s.state.epoch
        epochComplete = s.state.isEpochComplete
    }
}
