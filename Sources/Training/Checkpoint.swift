import Foundation

/// Everything besides tensors that a resumed run needs.
public struct TrainerState: Codable, Sendable {
    public var step: Int
    public var optimizerStep: Int
    public var seed: UInt64
    public var config: ModelConfig
    public var options: TrainingOptions
    /// The batch source's own state (for the loader: a JSON `LoaderState`), base64 in JSON.
    public var sourceState: Data
    public var format = 1
}

/// A checkpoint directory `RUN/checkpoints/step-NNNNNNNN/`:
///   model.safetensors      parameters, HF `BertForMaskedLM` names (tied decoder not repeated)
///   optimizer.safetensors  AdamW moments `exp_avg/<name>`, `exp_avg_sq/<name>`
///   trainer_state.json     step, seeds, options, data-loader state
///   config.json            HF `BertConfig`
/// It is written under a temporary name, every file fsynced, then renamed into place, and
/// `RUN/checkpoints/latest` (the directory's name) is replaced atomically last — a crash at
/// any point leaves the previous checkpoint as the newest complete one.
public enum Checkpoint {
    static func directory(run: String) -> String { (run as NSString).appendingPathComponent("checkpoints") }

    static func name(step: Int) -> String { String(format: "step-%08d", step) }

    static func save(
        run: String, state: TrainerState, model: MaskedLanguageModel, optimizer: AdamW,
        keep: Int = 2
    ) throws -> String {
        let root = directory(run: run)
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: root, withIntermediateDirectories: true) } catch {
            throw TrainingError.io(root, "cannot create directory: \(error.localizedDescription)")
        }
        let final = (root as NSString).appendingPathComponent(name(step: state.step))
        let tmp = (root as NSString).appendingPathComponent(".tmp-" + name(step: state.step))
        try? fm.removeItem(atPath: tmp)
        do { try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true) } catch {
            throw TrainingError.io(tmp, "cannot create directory: \(error.localizedDescription)")
        }
        // A failed write (full disk) leaves no partial directory behind; `latest` still names
        // the previous checkpoint.
        do {
            try write(into: tmp, state: state, model: model, optimizer: optimizer)
        } catch {
            try? fm.removeItem(atPath: tmp)
            throw error
        }
        try? fm.removeItem(atPath: final)
        guard rename(tmp, final) == 0 else { throw TrainingError.io(final, "rename failed: errno \(errno)") }
        AtomicFile.syncDirectory(of: final)
        try AtomicFile.write(Data((name(step: state.step) + "\n").utf8), to: root + "/latest")
        prune(root: root, keep: keep)
        return final
    }

    static func write(into tmp: String, state: TrainerState, model: MaskedLanguageModel, optimizer: AdamW) throws {
        let p = model.parameters
        let configJSON = String(decoding: try encoder().encode(model.config), as: UTF8.self)
        let weights = p.layout.tensors.map {
            SafeTensors.Tensor(name: $0.name, shape: $0.shape, data: UnsafeBufferPointer(p.value($0)))
        }
        try AtomicFile.write(
            try SafeTensors.encode(weights, metadata: ["format": "pt", "config": configJSON, "step": "\(state.step)"]),
            to: tmp + "/model.safetensors")
        var moments: [SafeTensors.Tensor] = []
        for t in p.layout.tensors {
            moments.append(
                .init(
                    name: "exp_avg/" + t.name, shape: t.shape,
                    data: UnsafeBufferPointer(start: optimizer.firstMoment + t.offset, count: t.count)))
            moments.append(
                .init(
                    name: "exp_avg_sq/" + t.name, shape: t.shape,
                    data: UnsafeBufferPointer(start: optimizer.secondMoment + t.offset, count: t.count)))
        }
        try AtomicFile.write(
            try SafeTensors.encode(moments, metadata: ["step": "\(optimizer.step)"]), to: tmp + "/optimizer.safetensors"
        )
        try AtomicFile.write(try encoder().encode(state), to: tmp + "/trainer_state.json")
        try AtomicFile.write(try encoder().encode(model.config), to: tmp + "/config.json")
    }

    /// The newest complete checkpoint of a run, or nil.
    public static func latest(run: String) -> String? {
        let root = directory(run: run)
        guard let d = FileManager.default.contents(atPath: root + "/latest") else { return nil }
        let n = String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let path = (root as NSString).appendingPathComponent(n)
        return FileManager.default.fileExists(atPath: path + "/trainer_state.json") ? path : nil
    }

    public static func loadState(_ path: String) throws -> TrainerState {
        guard let d = FileManager.default.contents(atPath: path + "/trainer_state.json") else {
            throw TrainingError.badCheckpoint(path, "missing trainer_state.json")
        }
        do { return try JSONDecoder().decode(TrainerState.self, from: d) } catch {
            throw TrainingError.badCheckpoint(path + "/trainer_state.json", "\(error)")
        }
    }

    /// Loads weights (and moments, when `optimizer` is given) into preallocated arenas.
    static func load(_ path: String, into model: MaskedLanguageModel, optimizer: AdamW?) throws {
        let w = try SafeTensors.File(path: path + "/model.safetensors")
        let p = model.parameters
        for t in p.layout.tensors { try w.read(t.name, into: p.value(t)) }
        guard let optimizer else { return }
        let o = try SafeTensors.File(path: path + "/optimizer.safetensors")
        for t in p.layout.tensors {
            try o.read(
                "exp_avg/" + t.name,
                into: UnsafeMutableBufferPointer(start: optimizer.firstMoment + t.offset, count: t.count))
            try o.read(
                "exp_avg_sq/" + t.name,
                into: UnsafeMutableBufferPointer(start: optimizer.secondMoment + t.offset, count: t.count))
        }
        guard let s = o.metadata["step"].flatMap(Int.init) else {
            throw TrainingError.badCheckpoint(path + "/optimizer.safetensors", "metadata has no step")
        }
        optimizer.restore(step: s)
    }

    /// The model of checkpoint `path` (whose state is `state`) with its weights, for
    /// evaluation: buffers for batches of `batchSize` (default: the run's).
    public static func loadModel(
        _ path: String, state: TrainerState, batchSize: Int? = nil
    ) throws -> MaskedLanguageModel {
        let o = state.options
        let model = try MaskedLanguageModel(
            config: state.config,
            capacity: BatchCapacity(
                batchSize: batchSize ?? o.batchSize, sequenceLength: o.maxLength, maxPredictions: o.maxPredictions),
            decoder: o.decoder)
        try load(path, into: model, optimizer: nil)
        return model
    }

    static func prune(root: String, keep: Int) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return }
        let steps = names.filter { $0.hasPrefix("step-") }.sorted()
        for old in steps.dropLast(max(1, keep)) {
            try? FileManager.default.removeItem(atPath: (root as NSString).appendingPathComponent(old))
        }
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }
}
