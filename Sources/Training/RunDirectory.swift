import Foundation

/// What a run directory holds (`metrics.jsonl`, `checkpoints/`), and starting one afresh.
/// A fresh start into a directory holding another run is refused: the keep-last pruning would
/// delete the new checkpoints in favour of the old run's later steps, `latest` would name a
/// deleted directory and the old metrics would be lost.
enum RunDirectory {
    static let metricsName = "metrics.jsonl"

    static func holdsRun(_ run: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: (run as NSString).appendingPathComponent(metricsName))
            || fm.fileExists(atPath: Checkpoint.directory(run: run))
    }

    /// Removes the old run's files: first moved together into one hidden directory (each
    /// rename atomic, checkpoints first, so a crash leaves nothing to resume from rather than
    /// old checkpoints beside new metrics), then deleted.
    static func clear(_ run: String) throws {
        let fm = FileManager.default
        let trash = (run as NSString).appendingPathComponent(".overwritten-\(getpid())")
        for leftover in (try? fm.contentsOfDirectory(atPath: run)) ?? [] where leftover.hasPrefix(".overwritten-") {
            try? fm.removeItem(atPath: (run as NSString).appendingPathComponent(leftover))
        }
        do { try fm.createDirectory(atPath: trash, withIntermediateDirectories: true) } catch {
            throw TrainingError.io(trash, "cannot create directory: \(error.localizedDescription)")
        }
        for name in ["checkpoints", metricsName] {
            let path = (run as NSString).appendingPathComponent(name)
            guard fm.fileExists(atPath: path) else { continue }
            guard rename(path, (trash as NSString).appendingPathComponent(name)) == 0 else {
                throw TrainingError.io(path, "cannot move the old run aside: \(String(cString: strerror(errno)))")
            }
        }
        AtomicFile.syncDirectory(of: trash)
        do { try fm.removeItem(atPath: trash) } catch {
            throw TrainingError.io(trash, "cannot delete the old run: \(error.localizedDescription)")
        }
    }
}
