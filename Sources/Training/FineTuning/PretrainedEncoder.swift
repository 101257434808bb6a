import Foundation

/// Where a fine-tuning run's weights come from (`prep finetune --init`): one of our run or
/// checkpoint directories (verified as `--resume` verifies it), or a Hugging Face directory
/// (`config.json` + `model.safetensors`: what `prep export` writes, a Hub `BertModel`, or a
/// fine-tuned `BertForSequenceClassification`).
public struct PretrainedEncoder: Sendable {
    public enum Kind: String, Sendable { case checkpoint, directory }
    public var kind: Kind
    /// The checkpoint directory (for a run: its newest) or the HF directory.
    public var path: String
    public var config: ModelConfig
    var weights: String

    /// The vocabulary file an HF directory carries (`tokenizer.json`, which also records the
    /// normalizer, else `vocab.txt`); nil
    /// for checkpoints, whose vocabulary lives with their training data.
    public var bundledVocabulary: String? {
        guard kind == .directory else { return nil }
        for name in ["tokenizer.json", "vocab.txt"] where FileManager.default.fileExists(atPath: path + "/" + name) {
            return path + "/" + name
        }
        return nil
    }

    public static func locate(_ path: String) throws -> PretrainedEncoder {
        let fm = FileManager.default
        let isCheckpoint =
            fm.fileExists(atPath: path + "/" + CheckpointManifest.fileName)
            || fm.fileExists(atPath: Checkpoint.directory(run: path))
        if !isCheckpoint && fm.fileExists(atPath: path + "/config.json") {
            let configPath = path + "/config.json", weights = path + "/model.safetensors"
            guard fm.fileExists(atPath: weights) else {
                throw TrainingError.badCheckpoint(path, "has config.json but no model.safetensors")
            }
            let config: ModelConfig
            do {
                config = try JSONDecoder().decode(
                    ModelConfig.self, from: Data(contentsOf: URL(fileURLWithPath: configPath)))
            } catch {
                throw TrainingError.badConfig(configPath, "\(error)")
            }
            try config.validate(source: configPath)
            return PretrainedEncoder(kind: .directory, path: path, config: config, weights: weights)
        }
        guard isCheckpoint else {
            throw TrainingError.badCheckpoint(
                path, "neither a run or checkpoint directory nor a directory with config.json and model.safetensors")
        }
        let checkpoint = Checkpoint.latest(run: path) ?? path
        let state = try Checkpoint.loadState(checkpoint)
        return PretrainedEncoder(
            kind: .checkpoint, path: checkpoint, config: state.config, weights: checkpoint + "/model.safetensors")
    }
}

extension EncoderNetwork {
    /// Loads `source`'s weights: every encoder tensor must be there (as `bert.NAME` or, in a
    /// `BertModel` file, `NAME`), with the shape the config gives; head tensors are taken when
    /// present (a pooler from an export, a classifier from a fine-tuned model) and otherwise
    /// keep their initialisation. Returns the head tensors loaded.
    @discardableResult
    public func load(_ source: PretrainedEncoder, head: [Tensor]) throws -> [String] {
        let file = try SafeTensors.File(path: source.weights)
        let headNames = Set(head.map(\.name))
        var loaded: [String] = []
        for t in parameters.layout.tensors {
            var candidates = [t.name]
            if t.name.hasPrefix("bert.") { candidates.append(String(t.name.dropFirst(5))) }
            guard let name = candidates.first(where: { file.entries[$0] != nil }) else {
                if headNames.contains(t.name) { continue }
                throw TrainingError.badSafetensors(source.weights, "missing tensor \(t.name)")
            }
            guard file.entries[name]!.shape == t.shape else {
                throw TrainingError.badSafetensors(
                    source.weights, "tensor \(name) has shape \(file.entries[name]!.shape), the model needs \(t.shape)")
            }
            try file.read(name, into: parameters.value(t))
            if headNames.contains(t.name) { loaded.append(t.name) }
        }
        return loaded
    }
}
