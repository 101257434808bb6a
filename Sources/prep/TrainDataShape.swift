import Foundation
import Masking
import Shards

/// The batch shape `prep train` needs for its data, read from the datasets' manifests: the
/// longest instance (`instances.max_seq_length`) and the most stored masks per instance
/// (`masking.max_predictions`) of every instance dataset it will read. Options not given
/// take these values; options given too small are refused together, before the run
/// directory is touched (else the first batch fails, one setting at a time, after
/// `metrics.jsonl` was created).
struct TrainDataShape {
    /// The old defaults, kept where no manifest says more (document datasets, synthetic data).
    static let defaultMaxLength = 128
    static let defaultMaxPredictions = 20

    var neededLength: Int?
    var neededPredictions: Int?
    /// The dataset that asks for each, to name it in a refusal.
    var lengthSource = ""
    var predictionsSource = ""

    /// What the instance datasets among `directories` need; unreadable manifests are skipped
    /// (the loader reports them). With dynamic masking the stored masks are not read, so
    /// only the length counts.
    init(directories: [String], dynamicMasking: Bool) {
        for dir in directories {
            guard let m = try? Dataset.readManifest(in: dir), m.kind == "instances" else { continue }
            if let n = m.config["instances.max_seq_length"].flatMap(Int.init), n > (neededLength ?? 0) {
                neededLength = n; lengthSource = dir
            }
            if !dynamicMasking, let n = m.config["masking.max_predictions"].flatMap(Int.init),
                n > (neededPredictions ?? 0)
            {
                neededPredictions = n; predictionsSource = dir
            }
        }
    }

    /// The settings given, or the data's, or the defaults; every one given too small for the
    /// data is refused in one message.
    func resolve(maxLength: Int?, maxPredictions: Int?) throws -> (length: Int, predictions: Int) {
        var problems: [String] = []
        if let maxLength, let need = neededLength, maxLength < need {
            problems.append("--max-length \(maxLength) is shorter than the instances of \(lengthSource) (\(need))")
        }
        if let maxPredictions, let need = neededPredictions, maxPredictions < need {
            problems.append(
                "--max-predictions \(maxPredictions) is fewer than the masked positions per instance of \(predictionsSource) (up to \(need))"
            )
        }
        guard problems.isEmpty else { throw TrainSettingsError(problems: problems) }
        return (
            maxLength ?? neededLength ?? Self.defaultMaxLength,
            maxPredictions ?? neededPredictions ?? Self.defaultMaxPredictions
        )
    }
}

/// Every bad `prep train` setting found before anything is written, as one line (exit 2).
struct TrainSettingsError: Error, CustomStringConvertible {
    var problems: [String]
    var description: String { problems.joined(separator: "; ") }
}
