import Batches
import Foundation
import Loading
import Masking
import Training

/// The streaming dataloader as a training source: endless, epoch after epoch. Its
/// checkpoint state is the `LoaderState` (epoch, samples consumed) with the loader's
/// options beside it, under `loaderOptions`: `prep eval` then reads held-out data the way
/// the run read its data (dynamic masking, vocabulary). Older states lack the options.
final class LoaderBatchSource: BatchSource {
    let directories: [String]
    var options: LoaderOptions
    var loader: StreamingLoader

    init(directories: [String], options: LoaderOptions, resumeState: Data? = nil) throws {
        self.directories = directories
        self.options = options
        var state: LoaderState? = nil
        if let resumeState {
            state = try JSONDecoder().decode(LoaderState.self, from: resumeState)
            self.options.epoch = state!.epoch
        }
        loader = try StreamingLoader(directories: directories, options: self.options, resumeFrom: state)
    }

    var vocabularySize: Int { loader.vocabularySize }

    /// MPI: this rank's share of the epoch's last, short global batch was empty; the next
    /// call starts the next epoch, with the other ranks.
    private var epochEndedEarly = false

    func next() throws -> Batch {
        if !epochEndedEarly, let b = try loader.next() { return b }
        // Several ranks: when the epoch's last global batch is short, the ranks after the
        // last one holding rows get none. They return an empty share for that step, so every
        // rank moves to the next epoch at the same step, as one process would.
        if options.worldSize > 1, !epochEndedEarly, !loader.state.isEpochComplete {
            epochEndedEarly = true
            return Batch(size: 0, sequenceLength: 0, maxPredictions: options.maxPredictions ?? 0)
        }
        epochEndedEarly = false
        options.epoch += 1
        loader = try StreamingLoader(directories: directories, options: options, resumeFrom: nil)
        guard let b = try loader.next() else {
            throw TrainingError.noData(
                "\(directories.joined(separator: ", ")) yields no batch of size \(options.batchSize)")
        }
        return b
    }

    func checkpointState() throws -> Data {
        // Absolute, so `prep export` finds the data from any working directory.
        let absolute = directories.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        return try JSONEncoder().encode(SavedLoader(state: loader.state, options: options, directories: absolute))
    }

    /// The dataset directories saved in a checkpoint's source state (`prep export` finds the
    /// data's vocabulary there), if it has them.
    static func savedDirectories(_ sourceState: Data) -> [String]? {
        (try? JSONDecoder().decode(SavedLoader.self, from: sourceState))?.directories
    }

    /// The loader options saved in a checkpoint's source state, if it has them.
    static func savedOptions(_ sourceState: Data) -> LoaderOptions? {
        (try? JSONDecoder().decode(SavedLoader.self, from: sourceState))?.options
    }
}

extension LoaderBatchSource: EpochSource {
    func nextInEpoch() throws -> Batch? { try loader.next() }
}

/// A `LoaderState`'s keys with `loaderOptions` and `directories` added, so a state saved here
/// still reads as a plain `LoaderState`.
private struct SavedLoader: Codable {
    var state: LoaderState
    var options: LoaderOptions?
    var directories: [String]?

    private enum Keys: String, CodingKey { case loaderOptions, directories }

    init(state: LoaderState, options: LoaderOptions?, directories: [String]?) {
        self.state = state; self.options = options; self.directories = directories
    }

    init(from decoder: Decoder) throws {
        state = try LoaderState(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        options = try c.decodeIfPresent(LoaderOptions.self, forKey: .loaderOptions)
        directories = try c.decodeIfPresent([String].self, forKey: .directories)
    }

    func encode(to encoder: Encoder) throws {
        try state.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(options, forKey: .loaderOptions)
        try c.encodeIfPresent(directories, forKey: .directories)
    }
}

extension DataReading {
    /// How a run saved before its loader options were read its data: the `dynamicMasking`,
    /// `maskedLMProbability` and `vocabularyPath` its `trainer_state.json` options had then.
    static func saved(inCheckpoint path: String) -> DataReading {
        struct State: Decodable {
            struct Options: Decodable {
                var dynamicMasking: String?; var maskedLMProbability: Double?; var vocabularyPath: String?
            }
            var options: Options
        }
        guard let data = FileManager.default.contents(atPath: path + "/trainer_state.json"),
            let o = (try? JSONDecoder().decode(State.self, from: data))?.options
        else { return DataReading() }
        return DataReading(
            masking: o.dynamicMasking.flatMap { try? MaskingStrategy(parsing: $0) },
            maskedLMProbability: o.maskedLMProbability ?? 0.15,
            vocabularyPath: o.vocabularyPath)
    }
}
