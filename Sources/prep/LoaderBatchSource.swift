import Batches
import Foundation
import Loading
import Training

/// The streaming dataloader as a training source: endless, epoch after epoch, with the
/// `LoaderState` (epoch, samples consumed) as its checkpoint state.
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

    func next() throws -> Batch {
        if let b = try loader.next() { return b }
        options.epoch += 1
        loader = try StreamingLoader(directories: directories, options: options, resumeFrom: nil)
        guard let b = try loader.next() else {
            throw TrainingError.noData("\(directories.joined(separator: ", ")) yields no batch of size \(options.batchSize)")
        }
        return b
    }

    func checkpointState() throws -> Data { try JSONEncoder().encode(loader.state) }
}

extension LoaderBatchSource: EpochSource {
    func nextInEpoch() throws -> Batch? { try loader.next() }
}
