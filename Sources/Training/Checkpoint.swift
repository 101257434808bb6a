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
///   checkpoint.json        size and CRC-32 of each file above, written last (`CheckpointManifest`)
/// It is written under a temporary name, every file fsynced, then renamed into place, and
/// `RUN/checkpoints/latest` (the directory's name) is replaced atomically last — a crash at
/// any point leaves the previous checkpoint as the newest complete one. Every reader
/// (`loadState`, `load`) verifies the files against `checkpoint.json` before using them.
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
        prune(root: root, keep: keep, savedStep: state.step)
        return final
    }

    static func write(into tmp: String, state: TrainerState, model: MaskedLanguageModel, optimizer: AdamW) throws {
        let p = model.parameters
        let configJSON = String(decoding: try encoder().encode(model.config), as: UTF8.self)
        let weights = p.layout.tensors.map {
            SafeTensors.Tensor(name: $0.name, shape: $0.shape, data: UnsafeBufferPointer(p.value($0)))
        }
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
        var manifest = CheckpointManifest(step: state.step, files: [:])
        // One file at a time, so only one serialised copy is in memory beside the arenas.
        func put(_ name: String, _ data: () throws -> Data) throws {
            let d = try data()
            manifest.files[name] = CheckpointManifest.entry(for: d)
            try AtomicFile.write(d, to: tmp + "/" + name)
        }
        try put("model.safetensors") {
            try SafeTensors.encode(weights, metadata: ["format": "pt", "config": configJSON, "step": "\(state.step)"])
        }
        try put("optimizer.safetensors") { try SafeTensors.encode(moments, metadata: ["step": "\(optimizer.step)"]) }
        try put("trainer_state.json") { try encoder().encode(state) }
        try put("config.json") { try encoder().encode(model.config) }
        // Last: its presence says every file above is complete.
        try AtomicFile.write(try encoder().encode(manifest), to: tmp + "/" + CheckpointManifest.fileName)
    }

    /// The checkpoint directory `RUN/checkpoints/latest` names, or nil when that file is
    /// missing, empty, names anything but a directory inside `RUN/checkpoints` (no `/`, no
    /// `..`), or a directory that does not exist. Its files are verified by `loadState`.
    public static func latest(run: String) -> String? {
        guard case .named(let path) = latestEntry(run: run) else { return nil }
        return path
    }

    /// What `RUN/checkpoints/latest` says, and why it is unusable when it is.
    enum LatestEntry: Equatable {
        case named(String)
        case unusable(String)
    }

    static func latestEntry(run: String) -> LatestEntry {
        let root = directory(run: run)
        guard let d = FileManager.default.contents(atPath: root + "/latest") else {
            return .unusable("checkpoints/latest is missing")
        }
        let n = String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !n.isEmpty else { return .unusable("checkpoints/latest is empty") }
        guard isCheckpointName(n) else {
            return .unusable("checkpoints/latest names \"\(n.prefix(80))\", not a checkpoint directory of this run")
        }
        let path = (root as NSString).appendingPathComponent(n)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return .unusable("checkpoints/latest names \(n), which does not exist")
        }
        return .named(path)
    }

    /// A plain entry of `RUN/checkpoints`: one path component, not `.`/`..`, not hidden.
    static func isCheckpointName(_ n: String) -> Bool {
        !n.isEmpty && !n.contains("/") && !n.hasPrefix(".") && !n.contains("\0")
            && !n.contains(where: \.isNewline)
    }

    /// The step of a `step-NNNNNNNN` directory name.
    static func step(ofName n: String) -> Int? {
        guard n.hasPrefix("step-") else { return nil }
        let digits = n.dropFirst(5)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    /// Verifies checkpoint `path` (every file against `checkpoint.json`) and returns its
    /// trainer state. A run directory is refused with a hint: its `latest` was unusable.
    public static func loadState(_ path: String) throws -> TrainerState {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path + "/" + CheckpointManifest.fileName),
            fm.fileExists(atPath: directory(run: path))
        {
            var why = "no valid checkpoint named"
            if case .unusable(let reason) = latestEntry(run: path) { why = reason }
            throw TrainingError.badCheckpoint(
                path, "a run directory and \(why); name a checkpoint directory (\(path)/checkpoints/step-…)")
        }
        let manifest = try CheckpointManifest.read(in: path)
        try manifest.verifyFiles(in: path)
        guard let d = fm.contents(atPath: path + "/trainer_state.json") else {
            throw TrainingError.badCheckpoint(path, "missing trainer_state.json")
        }
        // The bytes decoded are the bytes verified (the file could change after `verifyFiles`).
        try manifest.check(d, name: "trainer_state.json", in: path)
        let state: TrainerState
        do { state = try JSONDecoder().decode(TrainerState.self, from: d) } catch {
            throw TrainingError.badCheckpoint(path + "/trainer_state.json", "\(error)")
        }
        guard state.step == manifest.step else {
            throw TrainingError.badCheckpoint(
                path, "trainer_state.json is at step \(state.step), \(CheckpointManifest.fileName) at \(manifest.step)")
        }
        return state
    }

    /// Where `--resume` continues: the checkpoint `latest` names when it verifies, else the
    /// newest (by step) that does; `skipped` says which were passed over and why.
    struct ResumePoint {
        var path: String
        var state: TrainerState
        var skipped: [String]
    }

    /// nil when `run` holds no run at all (nothing to resume); an error when it holds one but
    /// no checkpoint of it verifies — never a silent restart from step 0.
    static func resumePoint(run: String) throws -> ResumePoint? {
        let fm = FileManager.default
        let root = directory(run: run)
        var skipped: [String] = []
        var tried: Set<String> = []
        func attempt(_ path: String) -> ResumePoint? {
            tried.insert((path as NSString).lastPathComponent)
            do { return ResumePoint(path: path, state: try loadState(path), skipped: skipped) } catch {
                skipped.append("skipped \(path): \(error)")
                return nil
            }
        }
        switch latestEntry(run: run) {
        case .named(let path): if let p = attempt(path) { return p }
        case .unusable(let why):
            if fm.fileExists(atPath: root) || RunDirectory.holdsRun(run) { skipped.append("\(root): \(why)") }
        }
        let names = ((try? fm.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { n in step(ofName: n).map { (n, $0) } }
            .sorted { $0.1 > $1.1 }
        for (n, _) in names where !tried.contains(n) {
            if let p = attempt((root as NSString).appendingPathComponent(n)) { return p }
        }
        guard RunDirectory.holdsRun(run) else { return nil }
        let why = skipped.isEmpty ? "no checkpoints" : skipped.joined(separator: "; ")
        throw TrainingError.noValidCheckpoint(run, why)
    }

    /// Loads weights (and moments, when `optimizer` is given) into preallocated arenas.
    /// Each file is checked against `checkpoint.json` as read, so the bytes loaded are the
    /// bytes verified.
    static func load(_ path: String, into model: MaskedLanguageModel, optimizer: AdamW?) throws {
        let manifest = try CheckpointManifest.read(in: path)
        let w = try SafeTensors.File(path: path + "/model.safetensors")
        try manifest.check(w.data, name: "model.safetensors", in: path)
        let p = model.parameters
        for t in p.layout.tensors { try w.read(t.name, into: p.value(t)) }
        guard let optimizer else { return }
        let o = try SafeTensors.File(path: path + "/optimizer.safetensors")
        try manifest.check(o.data, name: "optimizer.safetensors", in: path)
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

    /// Keeps the newest `keep` checkpoints up to `savedStep`. Those past it belong to a
    /// continuation that was abandoned (a resume fell back to an older checkpoint past them):
    /// they go too, or they would outlive, and out-sort, the new run's checkpoints.
    static func prune(root: String, keep: Int, savedStep: Int) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return }
        let steps = names.compactMap { n in step(ofName: n).map { (n, $0) } }.sorted { $0.1 < $1.1 }
        let stale = steps.filter { $0.1 > savedStep }
        let current = steps.filter { $0.1 <= savedStep }
        // Each goes out of sight by one rename before its files are deleted, so a kill mid-delete
        // never leaves a half-deleted checkpoint under its name (found by the kill -9 fault suite);
        // leftovers of such a kill are removed here the next time, with a temporary `latest` a
        // kill left while it was being replaced (hidden now; unhidden in runs of older versions).
        for name in names
        where name.hasPrefix(".trash-") || name.hasPrefix(".latest.tmp-") || name.hasPrefix("latest.tmp-") {
            try? FileManager.default.removeItem(atPath: (root as NSString).appendingPathComponent(name))
        }
        for (old, _) in stale + current.dropLast(max(1, keep)) {
            let path = (root as NSString).appendingPathComponent(old)
            let trash = (root as NSString).appendingPathComponent(".trash-" + old)
            if rename(path, trash) == 0 {
                try? FileManager.default.removeItem(atPath: trash)
            } else {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }
}
