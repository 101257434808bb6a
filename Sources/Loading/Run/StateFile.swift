import Foundation

/// Loader states on disk: written to a temporary name beside the target, fsynced and
/// renamed, so a crash never leaves a half-written state that looks valid.
public enum StateFile {
    public static func read(_ path: String) throws -> LoaderState {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LoaderError.io(path: path, detail: "cannot read loader state: \(error.localizedDescription)")
        }
        do { return try LoaderState.decode(json: data) } catch LoaderError.stateMismatch(let why) {
            throw LoaderError.stateMismatch("\(path): \(why)")
        } catch {
            throw LoaderError.stateMismatch("\(path) is not a loader state file: \(error)")
        }
    }

    public static func write(_ state: LoaderState, to path: String) throws {
        var data = try state.jsonData()
        data.append(0x0A)
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())"
        ).path
        func fail(_ what: String) -> LoaderError {
            LoaderError.io(path: path, detail: "\(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw fail("cannot create \(temporary)") }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { return false }
                done += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        let error = fail("cannot write loader state")
        close(fd)
        guard ok else { unlink(temporary); throw error }
        guard rename(temporary, path) == 0 else {
            let e = fail("cannot rename \(temporary)"); unlink(temporary); throw e
        }
        let dir = open(url.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
    }
}
