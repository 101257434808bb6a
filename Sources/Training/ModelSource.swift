import Foundation

/// The encoder sizes `--model` names (Turc et al. 2019's naming).
public enum ModelSize: String, CaseIterable, Sendable {
    case tiny, mini, small, base

    func config(vocabularySize v: Int) -> ModelConfig {
        switch self {
        case .tiny:
            return ModelConfig(
                vocabSize: v, hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 512)
        case .mini:
            return ModelConfig(
                vocabSize: v, hiddenSize: 256, numHiddenLayers: 4, numAttentionHeads: 4, intermediateSize: 1024)
        case .small:
            return ModelConfig(
                vocabSize: v, hiddenSize: 512, numHiddenLayers: 4, numAttentionHeads: 8, intermediateSize: 2048)
        case .base:
            return ModelConfig(
                vocabSize: v, hiddenSize: 768, numHiddenLayers: 12, numAttentionHeads: 12, intermediateSize: 3072)
        }
    }
}

/// Where a run's encoder shape comes from: a named size, or a JSON file of HF `BertConfig`
/// fields. Written as `--model` spells it (the size's name or the file's path), in
/// checkpoints too.
public enum ModelSource: Sendable, Equatable, Codable, CustomStringConvertible {
    case size(ModelSize)
    case file(String)

    /// A size's name, else a file's path (read, and checked, by `config`).
    public init(_ spelling: String) {
        self = ModelSize(rawValue: spelling).map(ModelSource.size) ?? .file(spelling)
    }

    public var description: String {
        switch self {
        case let .size(s): return s.rawValue
        case let .file(path): return path
        }
    }

    public init(from decoder: Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// The config for data of `vocabularySize` ids; a vocabulary size in the file must agree.
    func config(vocabularySize: Int) throws -> ModelConfig {
        let path: String
        switch self {
        case let .size(s): return s.config(vocabularySize: vocabularySize)
        case let .file(p): path = p
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw TrainingError.badConfig(path, "not a preset (tiny, mini, small, base) nor an existing JSON file")
        }
        var config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw TrainingError.badConfig(path, "\(error)")
        }
        if config.vocabSize != 0 && config.vocabSize != vocabularySize {
            throw TrainingError.badConfig(
                path, "vocab_size \(config.vocabSize) differs from the dataset's \(vocabularySize)")
        }
        config.vocabSize = vocabularySize
        try config.validate(source: path)
        return config
    }
}
