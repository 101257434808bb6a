import Batches
import Foundation
import Loading

/// What a `drbert_data_loader*` points to: one rank's open stream and the batch last
/// taken from it, kept until the caller has copied it out (`drbert_data_fill`).
final class LoaderHandle {
    let loader: StreamingLoader
    private(set) var current: Batch?
    /// Held by every entry point: a handle shared by two host threads is serialised, not
    /// raced (a loader is not thread-safe; a data race could crash the host).
    let lock = NSLock()

    init(loader: StreamingLoader) { self.loader = loader }

    /// Takes the next batch; false at the end of the epoch.
    func advance() throws -> Bool {
        current = try loader.next()
        return current != nil
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) throws -> LoaderHandle {
        guard let pointer else { throw ABIError("loader handle is a null pointer") }
        return Unmanaged<LoaderHandle>.fromOpaque(pointer).takeUnretainedValue()
    }
}
