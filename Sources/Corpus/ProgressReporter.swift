import Foundation
import Tokenization

/// Progress of a long job on a terminal: bytes, MB/s and ETA on one stderr line,
/// redrawn at most a few times a second. Silent when stderr is not a TTY.
public final class ProgressReporter {
    public let totalBytes: Int?
    public let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast

    public init(totalBytes: Int?, enabled: Bool = isatty(2) == 1) {
        self.totalBytes = totalBytes
        self.enabled = enabled
    }

    public var elapsed: Double { Date().timeIntervalSince(start) }

    public func update(bytes: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.25 else { return }
        lastDraw = now
        let seconds = max(now.timeIntervalSince(start), 1e-6)
        let rate = Double(bytes) / seconds / 1e6
        var line = String(format: "\r%.1f MB", Double(bytes) / 1e6)
        if let total = totalBytes, total > 0 {
            let fraction = min(Double(bytes) / Double(total), 1)
            let eta = rate > 0 ? (Double(total - bytes) / 1e6) / rate : 0
            line += String(format: " / %.1f MB (%.0f%%)  %.1f MB/s  ETA %@", Double(total) / 1e6, fraction * 100, rate, Self.duration(eta))
        } else {
            line += String(format: "  %.1f MB/s", rate)
        }
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    static func duration(_ s: Double) -> String {
        let t = Int(max(s, 0).rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}
