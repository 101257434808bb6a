import Foundation
import Masking

// `StreamSettings` as a JSON object, for callers outside Swift (the C ABI): the keys are the
// field names (`batchSize`, `worldSize`, `padTo`, `mask`: "whole-word", `pairs`: "nsp", …),
// the spellings those of `prep stream`. An unknown key is refused, not ignored, so a typo
// cannot silently fall back to a default.
extension StreamSettings: Codable {
    private enum Key: String, CodingKey, CaseIterable {
        case directories, weights, batchSize, seed, epoch, worldSize, rank, padTo, maxPredictions, threads,
            prefetch, windowBlocks, blockRecords, bucketBatches, skipCorrupt, mask, maskedLmProb, vocab,
            maxSeqLength, pairs, shortSeqProb
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let all = try decoder.container(keyedBy: AnyKey.self)
        let unknown = all.allKeys.map(\.stringValue).filter { Key(rawValue: $0) == nil }
        if !unknown.isEmpty {
            throw LoaderError.invalidOptions(
                "unknown setting \(unknown.sorted().joined(separator: ", ")) (known: \(Key.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let c = try decoder.container(keyedBy: Key.self)
        self.init(
            directories: try c.decode([String].self, forKey: .directories),
            batchSize: try c.decode(Int.self, forKey: .batchSize))
        weights = try c.decodeIfPresent([Double].self, forKey: .weights)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        epoch = try c.decodeIfPresent(Int.self, forKey: .epoch)
        worldSize = try c.decodeIfPresent(Int.self, forKey: .worldSize)
        rank = try c.decodeIfPresent(Int.self, forKey: .rank) ?? rank
        padTo = try c.decodeIfPresent(Int.self, forKey: .padTo)
        maxPredictions = try c.decodeIfPresent(Int.self, forKey: .maxPredictions)
        threads = try c.decodeIfPresent(Int.self, forKey: .threads)
        prefetch = try c.decodeIfPresent(Int.self, forKey: .prefetch) ?? prefetch
        windowBlocks = try c.decodeIfPresent(Int.self, forKey: .windowBlocks) ?? windowBlocks
        blockRecords = try c.decodeIfPresent(Int.self, forKey: .blockRecords)
        bucketBatches = try c.decodeIfPresent(Int.self, forKey: .bucketBatches)
        skipCorrupt = try c.decodeIfPresent(Bool.self, forKey: .skipCorrupt) ?? skipCorrupt
        if let spelling = try c.decodeIfPresent(String.self, forKey: .mask) {
            do { mask = try MaskingStrategy(parsing: spelling) } catch {
                throw LoaderError.invalidOptions("mask: \(error)")
            }
        }
        maskedLmProb = try c.decodeIfPresent(Double.self, forKey: .maskedLmProb) ?? maskedLmProb
        vocab = try c.decodeIfPresent(String.self, forKey: .vocab)
        maxSeqLength = try c.decodeIfPresent(Int.self, forKey: .maxSeqLength) ?? maxSeqLength
        if let p = try c.decodeIfPresent(String.self, forKey: .pairs) {
            guard let pairing = SentencePairing(rawValue: p) else {
                throw LoaderError.invalidOptions("pairs must be none, nsp or sop, not '\(p)'")
            }
            pairs = pairing
        }
        shortSeqProb = try c.decodeIfPresent(Double.self, forKey: .shortSeqProb) ?? shortSeqProb
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(directories, forKey: .directories)
        try c.encodeIfPresent(weights, forKey: .weights)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encodeIfPresent(seed, forKey: .seed)
        try c.encodeIfPresent(epoch, forKey: .epoch)
        try c.encodeIfPresent(worldSize, forKey: .worldSize)
        try c.encode(rank, forKey: .rank)
        try c.encodeIfPresent(padTo, forKey: .padTo)
        try c.encodeIfPresent(maxPredictions, forKey: .maxPredictions)
        try c.encodeIfPresent(threads, forKey: .threads)
        try c.encode(prefetch, forKey: .prefetch)
        try c.encode(windowBlocks, forKey: .windowBlocks)
        try c.encodeIfPresent(blockRecords, forKey: .blockRecords)
        try c.encodeIfPresent(bucketBatches, forKey: .bucketBatches)
        try c.encode(skipCorrupt, forKey: .skipCorrupt)
        try c.encodeIfPresent(mask?.spelling, forKey: .mask)
        try c.encode(maskedLmProb, forKey: .maskedLmProb)
        try c.encodeIfPresent(vocab, forKey: .vocab)
        try c.encode(maxSeqLength, forKey: .maxSeqLength)
        try c.encode(pairs.rawValue, forKey: .pairs)
        try c.encode(shortSeqProb, forKey: .shortSeqProb)
    }

    /// Reads settings from a JSON object; every failure is a `LoaderError.invalidOptions`.
    public init(json: String) throws {
        do { self = try JSONDecoder().decode(StreamSettings.self, from: Data(json.utf8)) } catch let e as LoaderError {
            throw e
        } catch {
            throw LoaderError.invalidOptions("settings are not a valid JSON object: \(error)")
        }
    }
}

extension LoaderState {
    /// Exactly the text `StateFile.write` (`prep stream --save-state`) puts in a file,
    /// without its final newline.
    public func jsonText() throws -> String { String(decoding: try jsonData(), as: UTF8.self) }

    /// Reads a state from its JSON text; failures are `LoaderError.stateMismatch`, as for files.
    public init(jsonText: String) throws {
        do { self = try LoaderState.decode(json: Data(jsonText.utf8)) } catch {
            throw LoaderError.stateMismatch("not a loader state: \(error)")
        }
    }
}
