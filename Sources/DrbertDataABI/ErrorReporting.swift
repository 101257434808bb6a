import Loading

// Every exported function reports a failure the same way: a negative status and the
// message copied into the caller's buffer. Errors never cross the C boundary as Swift
// errors (which would abort the host process), so each entry point runs its body here.

/// Status codes of the C ABI (drbert_data.h spells them DRBERT_DATA_*).
enum Status: Int32 {
    case ok = 0
    /// Bad settings, state or arguments: the caller's input (LoaderError exit code 2).
    case invalidInput = -1
    /// Corrupt, missing or mismatched data (also exit code 2 in `prep stream`).
    case badData = -2
    /// I/O failure while running (exit code 1).
    case failure = -3
}

/// Runs `body`; on a thrown error writes its message to `error` (at most `capacity` bytes,
/// NUL-terminated, cut at a UTF-8 boundary) and returns its status.
func reporting(
    _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int, _ body: () throws -> Int32
) -> Int32 {
    do {
        return try body()
    } catch let e as LoaderError {
        write(e.description, to: buffer, capacity: capacity)
        switch e {
        case .invalidOptions, .stateMismatch: return Status.invalidInput.rawValue
        case .io: return Status.failure.rawValue
        default: return Status.badData.rawValue
        }
    } catch let e as ABIError {
        write(e.message, to: buffer, capacity: capacity)
        return Status.invalidInput.rawValue
    } catch {
        write(String(describing: error), to: buffer, capacity: capacity)
        return Status.badData.rawValue
    }
}

/// `body` on the handle `pointer` names, under its lock (the ABI may be called from several
/// threads), its failures reported as `reporting` does.
func withLockedHandle(
    _ pointer: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int,
    _ body: (LoaderHandle) throws -> Int32
) -> Int32 {
    reporting(buffer, capacity) {
        let handle = try LoaderHandle.from(pointer)
        handle.lock.lock()
        defer { handle.lock.unlock() }
        return try body(handle)
    }
}

/// A misuse of the ABI itself (null pointer, call out of order).
struct ABIError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

func write(_ message: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: Int) {
    guard let buffer, capacity > 0 else { return }
    var bytes = Array(message.utf8.prefix(capacity - 1))
    // Do not end inside a multi-byte character: drop a last character that lost bytes.
    if bytes.count < message.utf8.count {
        var lead = bytes.count - 1
        while lead > 0, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        if lead >= 0 {
            let b = bytes[lead]
            let length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
            if bytes.count - lead < length { bytes.removeSubrange(lead...) }
        }
    }
    for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
    buffer[bytes.count] = 0
}

func string(_ pointer: UnsafePointer<CChar>?, _ what: String) throws -> String {
    guard let pointer else { throw ABIError("\(what) is a null pointer") }
    return String(cString: pointer)
}
