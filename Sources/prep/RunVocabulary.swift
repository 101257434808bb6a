import Foundation
import Masking
import Shards
import Training

/// The vocabulary a run was trained with, for `prep export`: without `--vocab`, the one the
/// run's loader was given, else the copy its first dataset keeps; with `--vocab`, that file,
/// refused when its SHA-256 differs from the one the run's data was made with. Both checked
/// against that dataset's manifest, as every command reading a dataset does.
enum RunVocabulary {
    static func locate(run: String) throws -> String {
        let (checkpoint, state) = try load(run)
        if let explicit = LoaderBatchSource.savedOptions(state.sourceState)?.vocabularyPath { return explicit }
        guard let dataset = LoaderBatchSource.savedDirectories(state.sourceState)?.first else {
            throw TrainingError.badConfig(
                checkpoint, "the checkpoint does not name its training data (an older or synthetic run); pass --vocab")
        }
        let manifest = try Dataset.readManifest(in: dataset)
        return try VocabularyLocator.load(explicit: nil, dataset: dataset, identity: manifest.vocab).1
    }

    /// Refuses `path` when the run's training data is still there and was made with another
    /// vocabulary; a run whose data is gone (or synthetic) has nothing to check against.
    static func check(_ path: String, run: String) throws {
        let (_, state) = try load(run)
        guard let dataset = LoaderBatchSource.savedDirectories(state.sourceState)?.first,
            let manifest = try? Dataset.readManifest(in: dataset)
        else { return }
        _ = try VocabularyLocator.load(explicit: path, dataset: dataset, identity: manifest.vocab)
    }

    private static func load(_ run: String) throws -> (String, TrainerState) {
        let checkpoint = Checkpoint.latest(run: run) ?? run
        return (checkpoint, try Checkpoint.loadState(checkpoint))
    }
}
