import Foundation
import Loading

// The C entry points (declared in bindings/python/drbert_data/drbert_data.h). A thin
// adapter: settings are parsed by `StreamSettings` (as `prep stream`'s options), batches
// come from `StreamingLoader`, states are `LoaderState`'s JSON. Every function that can
// fail returns a `Status` (< 0) and writes a one-line message into `error`.

/// Bumped when a signature or meaning changes, so the Python side can refuse a stale library.
@_cdecl("drbert_data_abi_version")
public func abiVersion() -> Int32 { 1 }

/// Opens one rank's stream. `settingsJSON`: a `StreamSettings` object; `stateJSON`: null or
/// a state as `prep stream --save-state` writes it. On success `*handle` owns the stream.
@_cdecl("drbert_data_open")
public func openLoader(
    _ settingsJSON: UnsafePointer<CChar>?, _ stateJSON: UnsafePointer<CChar>?,
    _ handle: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ error: UnsafeMutablePointer<CChar>?, _ capacity: Int
) -> Int32 {
    reporting(error, capacity) {
        guard let handle else { throw ABIError("handle output is a null pointer") }
        handle.pointee = nil
        let settings = try StreamSettings(json: try string(settingsJSON, "settings"))
        let state = try stateJSON.map { try LoaderState(jsonText: String(cString: $0)) }
        let (loader, _) = try settings.open(resumingFrom: state)
        handle.pointee = Unmanaged.passRetained(LoaderHandle(loader: loader)).toOpaque()
        return Status.ok.rawValue
    }
}

/// Takes the next batch into the handle: 1 and its shape, or 0 at the end of the epoch.
@_cdecl("drbert_data_next")
public func nextBatch(
    _ pointer: UnsafeMutableRawPointer?, _ rows: UnsafeMutablePointer<Int64>?,
    _ length: UnsafeMutablePointer<Int64>?, _ hasPairs: UnsafeMutablePointer<Int32>?,
    _ error: UnsafeMutablePointer<CChar>?, _ capacity: Int
) -> Int32 {
    withLockedHandle(pointer, error, capacity) { handle in
        guard try handle.advance(), let batch = handle.current else {
            rows?.pointee = 0; length?.pointee = 0; hasPairs?.pointee = 0
            return 0
        }
        rows?.pointee = Int64(batch.size)
        length?.pointee = Int64(batch.sequenceLength)
        hasPairs?.pointee = HuggingFaceColumns.hasPairs(batch) ? 1 : 0
        return 1
    }
}

/// Copies the batch `drbert_data_next` took into caller-owned int64 arrays of the shape it
/// returned ([rows × length] for the first four, [rows] for the last two; null skips one).
@_cdecl("drbert_data_fill")
public func fillBatch(
    _ pointer: UnsafeMutableRawPointer?, _ inputIDs: UnsafeMutablePointer<Int64>?,
    _ attentionMask: UnsafeMutablePointer<Int64>?, _ tokenTypeIDs: UnsafeMutablePointer<Int64>?,
    _ labels: UnsafeMutablePointer<Int64>?, _ nextSentenceLabels: UnsafeMutablePointer<Int64>?,
    _ sampleIndices: UnsafeMutablePointer<Int64>?,
    _ error: UnsafeMutablePointer<CChar>?, _ capacity: Int
) -> Int32 {
    withLockedHandle(pointer, error, capacity) { handle in
        guard let batch = handle.current else { throw ABIError("no batch to fill: call drbert_data_next first") }
        HuggingFaceColumns.fill(
            batch, inputIDs: inputIDs, attentionMask: attentionMask, tokenTypeIDs: tokenTypeIDs, labels: labels,
            nextSentenceLabels: nextSentenceLabels, sampleIndices: sampleIndices)
        return Status.ok.rawValue
    }
}

/// The position after the batches taken so far, as the JSON `prep stream --save-state`
/// writes (without the final newline); free `*json` with `drbert_data_free_string`.
@_cdecl("drbert_data_state")
public func loaderState(
    _ pointer: UnsafeMutableRawPointer?, _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ error: UnsafeMutablePointer<CChar>?, _ capacity: Int
) -> Int32 {
    withLockedHandle(pointer, error, capacity) { handle in
        guard let json else { throw ABIError("state output is a null pointer") }
        json.pointee = strdup(try handle.loader.state.jsonText())
        return Status.ok.rawValue
    }
}

/// The state once every rank has taken `batches` batches from where the loader started,
/// whatever this handle has read (for consumers that count batches read elsewhere).
@_cdecl("drbert_data_state_after")
public func loaderState(
    _ pointer: UnsafeMutableRawPointer?, afterBatches batches: Int64,
    _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ error: UnsafeMutablePointer<CChar>?, _ capacity: Int
) -> Int32 {
    withLockedHandle(pointer, error, capacity) { handle in
        guard let json else { throw ABIError("state output is a null pointer") }
        guard batches >= 0 else { throw ABIError("batches must be non-negative, not \(batches)") }
        json.pointee = strdup(try handle.loader.state(afterBatches: Int(batches)).jsonText())
        return Status.ok.rawValue
    }
}

@_cdecl("drbert_data_free_string")
public func freeString(_ text: UnsafeMutablePointer<CChar>?) { free(text) }

/// Sizes: this rank's batches from where the stream started to the end of the epoch, the
/// epoch's samples over all ranks, and the data's vocabulary size (null skips one).
@_cdecl("drbert_data_counts")
public func loaderCounts(
    _ pointer: UnsafeMutableRawPointer?, _ batches: UnsafeMutablePointer<Int64>?,
    _ samplesPerEpoch: UnsafeMutablePointer<Int64>?, _ vocabularySize: UnsafeMutablePointer<Int64>?,
    _ error: UnsafeMutablePointer<CChar>?, _ capacity: Int
) -> Int32 {
    withLockedHandle(pointer, error, capacity) { handle in
        let loader = handle.loader
        batches?.pointee = Int64(loader.batchCount)
        samplesPerEpoch?.pointee = Int64(loader.samplesPerEpoch)
        vocabularySize?.pointee = Int64(loader.vocabularySize)
        return Status.ok.rawValue
    }
}

/// Stops the stream's threads and frees the handle (null is allowed).
@_cdecl("drbert_data_close")
public func closeLoader(_ pointer: UnsafeMutableRawPointer?) {
    guard let pointer else { return }
    Unmanaged<LoaderHandle>.fromOpaque(pointer).release()
}
