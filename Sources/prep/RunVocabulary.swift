import Foundation
import Masking
import Shards
import Training

/// The vocabulary a run was trained with, for `prep export` without `--vocab`: the one the
/// run's loader was given, else the copy its first dataset keeps (checked by digest against
/// that dataset's manifest, as every command reading a dataset does).
enum RunVocabulary {
    static func locate(run: String) throws -> String {
        let checkpoint = Checkpoint.latest(run: run) ?? run
        let state = try Checkpoint.loadState(checkpoint)
        let options = LoaderBatchSource.savedOptions(state.sourceState)
        if let explicit = options?.vocabularyPath { return explicit }
        guard let dataset = LoaderBatchSource.savedDirectories(state.sourceState)?.first else {
            throw TrainingError.badConfig(
                checkpoint, "the checkpoint does not name its training data (an older run); pass --vocab")
        }
        let manifest = try Dataset.readManifest(in: dataset)
        return try VocabularyLocator.load(explicit: nil, dataset: dataset, identity: manifest.vocab).1
    }
}
