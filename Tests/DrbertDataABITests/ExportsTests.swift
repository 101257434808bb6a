import Batches
@testable import DrbertDataABI
import Foundation
import Loading
import Shards
import XCTest

/// The C entry points, called as a C caller would: the batches are the loader's, spelled the
/// Hugging Face way; states are `prep stream --save-state`'s JSON; failures are a status
/// and a message, never a trap.
final class ExportsTests: XCTestCase {
    private var error = [CChar](repeating: 0, count: 1024)
    private var message: String { String(cString: error) }

    private func open(_ json: String, state: String? = nil) -> (Int32, UnsafeMutableRawPointer?) {
        var handle: UnsafeMutableRawPointer? = nil
        let status = json.withCString { s in
            if let state { return state.withCString { openLoader(s, $0, &handle, &error, error.count) } }
            return openLoader(s, nil, &handle, &error, error.count)
        }
        return (status, handle)
    }

    /// Every batch of the handle, as (input_ids, attention, token types, labels, nsp, indices).
    private func drain(_ handle: UnsafeMutableRawPointer?, limit: Int = .max) -> [[[Int64]]] {
        var out: [[[Int64]]] = []
        var rows: Int64 = 0, length: Int64 = 0, pairs: Int32 = 0
        while out.count < limit, nextBatch(handle, &rows, &length, &pairs, &error, error.count) == 1 {
            let cells = Int(rows * length)
            var ids = [Int64](repeating: 7, count: cells), attention = ids, types = ids, labels = ids
            var nsp = [Int64](repeating: 7, count: Int(rows)), indices = nsp
            XCTAssertEqual(
                fillBatch(handle, &ids, &attention, &types, &labels, &nsp, &indices, &error, error.count), 0, message)
            out.append([ids, attention, types, labels, nsp, indices])
        }
        return out
    }

    func testBatchesAreTheLoadersInHuggingFaceColumns() throws {
        let dir = try ABIDataset.write(records: 90, in: self)
        var settings = StreamSettings(directories: [dir], batchSize: 8)
        settings.seed = 3; settings.threads = 0
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        let (status, handle) = open(json)
        XCTAssertEqual(status, 0, message)
        defer { closeLoader(handle) }
        var batches: Int64 = 0, samples: Int64 = 0, vocabulary: Int64 = 0
        XCTAssertEqual(loaderCounts(handle, &batches, &samples, &vocabulary, &error, error.count), 0)
        XCTAssertEqual([batches, samples, vocabulary], [12, 90, 30522])

        let got = drain(handle)
        let (loader, _) = try settings.open()
        var expected: [Batch] = []
        while let b = try loader.next() { expected.append(b) }
        XCTAssertEqual(got.count, expected.count)
        for (g, b) in zip(got, expected) {
            XCTAssertEqual(g[0], b.inputIDs.map(Int64.init))
            XCTAssertEqual(g[1], b.attentionMask.map(Int64.init))
            XCTAssertEqual(g[2], b.segmentIDs.map(Int64.init))
            XCTAssertEqual(g[5], b.sampleIndices.map(Int64.init))
            XCTAssertEqual(g[4], [Int64](repeating: -100, count: b.size), "no pairs: -100")
            for row in 0..<b.size {
                let i = b.sampleIndices[row], original = ABIDataset.instance(i)
                var labels = [Int64](repeating: -100, count: b.sequenceLength)
                labels[1] = Int64(original[1]); labels[3] = Int64(original[3])
                XCTAssertEqual(Array(g[3][row * b.sequenceLength..<(row + 1) * b.sequenceLength]), labels)
            }
        }
        XCTAssertEqual(Set(got.flatMap { $0[5] }).count, 90, "every sample once")
    }

    func testDynamicMasksAreTheLoadersMasks() throws {
        let dir = try ABIDataset.write(records: 70, in: self)
        var settings = StreamSettings(directories: [dir], batchSize: 16)
        settings.seed = 4; settings.epoch = 2; settings.mask = .wholeWord; settings.maxPredictions = 6
        settings.threads = 2
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        XCTAssertTrue(json.contains(#""mask":"whole-word""#), json)
        let (status, handle) = open(json)
        XCTAssertEqual(status, 0, message)
        defer { closeLoader(handle) }
        let got = drain(handle)
        let (loader, _) = try settings.open()
        var masked = 0
        for g in got {
            let b = try XCTUnwrap(try loader.next())
            var labels = [Int64](repeating: -100, count: b.size * b.sequenceLength)
            for row in 0..<b.size {
                for slot in row * 6..<(row + 1) * 6 where b.maskedLabels[slot] != Batch.noLabel {
                    labels[row * b.sequenceLength + Int(b.maskedPositions[slot])] = Int64(b.maskedLabels[slot])
                    masked += 1
                }
            }
            XCTAssertEqual(g[3], labels)
            XCTAssertEqual(g[0], b.inputIDs.map(Int64.init))
        }
        XCTAssertNil(try loader.next())
        XCTAssertGreaterThan(masked, 70, "fresh masks, not the two stored ones only")
    }

    func testStateIsTheSaveStateJSONAndResumes() throws {
        let dir = try ABIDataset.write(records: 90, in: self)
        let settings = #"{"directories": ["\#(dir)"], "batchSize": 4, "seed": 9, "worldSize": 2, "threads": 1}"#
        let (_, first) = open(settings)
        let head = drain(first, limit: 5)
        var text: UnsafeMutablePointer<CChar>? = nil
        XCTAssertEqual(loaderState(first, &text, &error, error.count), 0)
        let state = String(cString: text!)
        freeString(text)
        closeLoader(first)

        // The same text StateFile writes for `prep stream --save-state` (which adds a newline).
        let path = NSTemporaryDirectory() + "/abi-state-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try StateFile.write(try LoaderState(jsonText: state), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), state + "\n")
        XCTAssertEqual(try LoaderState(jsonText: state).globalSamplesConsumed, 5 * 2 * 4)

        let (_, whole) = open(settings)
        let all = drain(whole)
        closeLoader(whole)
        let (status, resumed) = open(settings, state: state)
        XCTAssertEqual(status, 0, message)
        XCTAssertEqual(head + drain(resumed), all, "resume continues exactly")
        closeLoader(resumed)
    }

    func testFailuresAreStatusesWithMessages() throws {
        let dir = try ABIDataset.write(records: 40, in: self)
        XCTAssertEqual(open("not json").0, -1)
        XCTAssertTrue(message.contains("not a valid JSON object"), message)
        XCTAssertEqual(open(#"{"directories": ["\#(dir)"], "batchSize": 4, "batch_size": 4}"#).0, -1)
        XCTAssertTrue(message.contains("unknown setting batch_size"), message)
        XCTAssertEqual(open(#"{"directories": ["\#(dir)"], "batchSize": 0}"#).0, -1)
        XCTAssertEqual(open(#"{"directories": ["\#(dir)"], "batchSize": 4, "rank": 2, "worldSize": 2}"#).0, -1)
        XCTAssertTrue(message.contains("rank 2"), message)
        XCTAssertEqual(open(#"{"directories": ["\#(dir)"], "batchSize": 4, "mask": "ngram-2"}"#).0, -1)
        XCTAssertEqual(open(#"{"directories": ["\#(dir)"], "batchSize": 4, "threads": 100000}"#).0, -1)
        XCTAssertEqual(open(#"{"directories": ["\#(dir)"], "batchSize": 4, "padTo": 4000000000}"#).0, -1)
        XCTAssertEqual(open(#"{"directories": ["\#(dir)"], "batchSize": 4000000000000}"#).0, -1)
        XCTAssertEqual(open(#"{"directories": ["\#(dir)/missing"], "batchSize": 4}"#).0, -2)
        XCTAssertTrue(message.contains("\(dir)/missing"), message)
        XCTAssertEqual(open(#"{"directories": ["\#(dir)"], "batchSize": 4}"#, state: "{}").0, -1)
        XCTAssertTrue(message.contains("not a loader state"), message)

        let (_, handle) = open(#"{"directories": ["\#(dir)"], "batchSize": 4}"#)
        var cell: Int64 = 0
        XCTAssertEqual(fillBatch(handle, &cell, nil, nil, nil, nil, nil, &error, error.count), -1)
        XCTAssertTrue(message.contains("drbert_data_next first"), message)
        closeLoader(handle)
        XCTAssertEqual(nextBatch(nil, nil, nil, nil, &error, error.count), -1)
    }

    func testCorruptShardIsAnErrorNamingIt() throws {
        let dir = try ABIDataset.write(records: 60, in: self)
        let shard = Dataset.shardPath(in: dir, index: 1)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        for k in stride(from: bytes.count / 3, to: bytes.count * 2 / 3, by: 7) { bytes[k] ^= 0x5A }
        try bytes.write(to: URL(fileURLWithPath: shard))
        let (status, handle) = open(#"{"directories": ["\#(dir)"], "batchSize": 4, "threads": 2}"#)
        defer { closeLoader(handle) }
        var failed: Int32 = 0
        if status == 0 {
            var rows: Int64 = 0
            while true {
                let s = nextBatch(handle, &rows, nil, nil, &error, error.count)
                if s != 1 { failed = s; break }
            }
        } else {
            failed = status
        }
        XCTAssertEqual(failed, -2, message)
        XCTAssertTrue(message.contains((shard as NSString).lastPathComponent), message)
    }

    func testLongMessagesAreCutAtACharacterBoundary() {
        var buffer = [CChar](repeating: 1, count: 8)
        write("aé€b", to: &buffer, capacity: 4)
        XCTAssertEqual(String(cString: buffer), "aé")
        write("aé€b", to: &buffer, capacity: 3)
        XCTAssertEqual(String(cString: buffer), "a", "never half a character")
        write("aé€b", to: &buffer, capacity: 8)
        XCTAssertEqual(String(cString: buffer), "aé€b")
        write("x", to: nil, capacity: 8)  // a caller without a buffer
    }
}
