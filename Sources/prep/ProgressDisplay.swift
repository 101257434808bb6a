import Foundation
import Shards

/// The one progress display of `prep`: the libraries only report `ProgressEvent`s, and every
/// long command renders them here, the same way.
///
/// On a terminal (stderr is a TTY): one line redrawn in place (carriage return) at most four
/// times a second, with the count, the percentage, the rate and the ETA, cleared by `finish()`
/// so that the command's own output starts on a clean line. When stderr is piped: nothing,
/// since logs should not fill with redrawn lines, unless `PREP_PROGRESS=json` asks for one JSON
/// object per second on stderr (for a supervisor that wants to follow a run). `PREP_PROGRESS=none`
/// silences the terminal line too.
///
/// Called from one thread at a time (the libraries guarantee that for their callbacks).
final class ProgressDisplay: @unchecked Sendable {
    enum Mode { case terminal, json, silent }

    let label: String
    let mode: Mode
    /// The count the run started from (a resumed run's rate counts only its own work).
    private let baseline: Int
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    /// `start`: the count already done when the run began (a resumed training run's step).
    /// `enabled: false` (e.g. when the command prints its own per-line output) is `.silent`.
    init(label: String, startingAt start: Int = 0, enabled: Bool = true) {
        self.label = label
        baseline = start
        mode =
            enabled
            ? Self.mode(
                environment: ProcessInfo.processInfo.environment["PREP_PROGRESS"],
                terminal: isatty(STDERR_FILENO) == 1) : .silent
    }

    static func mode(environment: String?, terminal: Bool) -> Mode {
        switch environment {
        case "json": return .json
        case "none": return .silent
        default: return terminal ? .terminal : .silent
        }
    }

    /// Shows `event`, with `detail` (e.g. the loss) after the ETA; throttled, except that the
    /// last event of a run (`completed == total`) is always shown.
    func update(_ event: ProgressEvent, detail: @autoclosure () -> String = "") {
        guard mode != .silent else { return }
        let now = Date()
        let interval = mode == .json ? 1.0 : 0.25
        guard now.timeIntervalSince(lastDraw) >= interval || event.completed == event.total else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(started), 1e-6)
        let rate = Double(event.completed - baseline) / elapsed
        let eta = rate > 0 ? Double(max(event.total - event.completed, 0)) / rate : 0
        switch mode {
        case .terminal:
            let extra = detail()
            let line = "\r" + Self.line(label: label, event, rate: rate, eta: eta) + (extra.isEmpty ? "" : "  " + extra)
            FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
            drawn = true
        case .json:
            var object: [String: Any] = [
                "label": label, "completed": event.completed, "total": event.total,
                "unit": event.unit.rawValue, "rate_per_s": (rate * 10).rounded() / 10,
                "eta_s": eta.rounded(), "elapsed_s": (elapsed * 10).rounded() / 10,
            ]
            let extra = detail()
            if !extra.isEmpty { object["detail"] = extra }
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                FileHandle.standardError.write(data + Data("\n".utf8))
            }
        case .silent:
            break
        }
    }

    /// Clears the terminal line (if one was drawn).
    func finish() {
        guard mode == .terminal, drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }

    /// `mask: 1200/5000 documents (24%)  310 documents/s  ETA 12s`; bytes are shown in MB.
    static func line(label: String, _ event: ProgressEvent, rate: Double, eta: Double) -> String {
        let percent =
            event.total > 0
            ? String(format: " (%.0f%%)", 100 * min(Double(event.completed) / Double(event.total), 1)) : ""
        let unit = event.unit.rawValue
        let counts: String, speed: String
        if event.unit == .bytes {
            counts = String(format: "%.1f/%.1f MB", Double(event.completed) / 1e6, Double(event.total) / 1e6)
            speed = String(format: "%.1f MB/s", rate / 1e6)
        } else {
            counts = "\(event.completed)/\(event.total) \(unit)"
            speed = String(format: rate < 10 ? "%.1f %@/s" : "%.0f %@/s", rate, unit)
        }
        return "\(label): \(counts)\(percent)  \(speed)  ETA \(duration(eta))"
    }

    /// `45s`, `3m05s`, `2h07m`.
    static func duration(_ seconds: Double) -> String {
        let t = Int(max(seconds, 0).rounded())
        if t >= 3600 { return String(format: "%dh%02dm", t / 3600, t % 3600 / 60) }
        if t >= 60 { return String(format: "%dm%02ds", t / 60, t % 60) }
        return "\(t)s"
    }
}
