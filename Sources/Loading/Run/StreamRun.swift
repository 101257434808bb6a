import Foundation
import Shards

/// `prep stream`: drains one rank's stream, optionally printing each batch's sample
/// indices, stopping early and saving the state, and timing the run.
public struct StreamRun {
    public var directories: [String]
    public var weights: [Double]?
    public var options: LoaderOptions
    public var resumeFrom: LoaderState?
    public var printIDs = false
    public var stopAfterBatches: Int?
    public var saveStatePath: String?
    public var bench = false
    /// Called after each batch with the batches done (of this run's total).
    public var progress: ((ProgressEvent) -> Void)?

    public init(directories: [String], options: LoaderOptions) {
        self.directories = directories
        self.options = options
    }

    public struct Summary: Sendable {
        public var batches: Int
        public var samples: Int
        public var tokens: Int
        public var seconds: Double
        public var shardBytes: Int
        public var statistics: LoaderStatistics
        public var state: LoaderState

        public var samplesPerSecond: Double { Double(samples) / max(seconds, 1e-9) }
        /// On-disk (compressed) shard bytes behind the samples read, per second.
        public var megabytesPerSecond: Double { Double(shardBytes) / 1e6 / max(seconds, 1e-9) }
    }

    /// Runs to the end of the epoch or `stopAfterBatches`; lines go to `output`.
    public func run(output: (String) -> Void) throws -> Summary {
        let started = DispatchTime.now().uptimeNanoseconds
        let loader = try StreamingLoader(
            directories: directories, weights: weights, options: options, resumeFrom: resumeFrom)
        var batches = 0, samples = 0, tokens = 0
        var line = ""
        while stopAfterBatches.map({ batches < $0 }) ?? true, let batch = try loader.next() {
            batches += 1
            samples += batch.size
            if bench { for v in batch.attentionMask { tokens += Int(v) } }
            if printIDs {
                line.removeAll(keepingCapacity: true)
                for (k, i) in batch.sampleIndices.enumerated() {
                    if k > 0 { line += " " }
                    line += String(i)
                }
                output(line)
            }
            if let progress {
                let total = stopAfterBatches.map { min($0, loader.batchCount) } ?? loader.batchCount
                progress(ProgressEvent(completed: batches, total: total, unit: .batches))
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let state = loader.state
        if let path = saveStatePath { try StateFile.write(state, to: path) }
        let totalBytes = directories.reduce(0) { sum, dir in
            sum + ((try? Dataset.readManifest(in: dir))?.shards.reduce(0) { $0 + $1.bytes } ?? 0)
        }
        let fraction = loader.samplesPerEpoch > 0 ? Double(samples) / Double(loader.samplesPerEpoch) : 0
        return Summary(
            batches: batches, samples: samples, tokens: tokens, seconds: seconds,
            shardBytes: Int(Double(totalBytes) * fraction), statistics: loader.statistics, state: state)
    }
}
