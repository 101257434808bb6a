import XCTest
@testable import Masking
@testable import Shards
import Tokenization

final class MaskingJobTests: XCTestCase {
    var input = ""
    var documents: [TokenizedDocument] = []

    override func setUpWithError() throws {
        input = DocumentDatasetFixture.temporaryDirectory("input")
        documents = DocumentDatasetFixture.documents(300)
        try DocumentDatasetFixture.write(documents, shards: 3, to: input)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: input)
    }

    func configuration(
        _ output: String, pairs: SentencePairing = .nsp, strategy: MaskingStrategy = .wholeWord,
        threads: Int = 1
    ) -> MaskingJobConfiguration {
        DocumentDatasetFixture.maskingConfiguration(
            input: input, output: output, pairs: pairs, strategy: strategy, threads: threads)
    }

    func testOutputIsIdenticalAcrossThreadCountsAndReruns() throws {
        for pairs in SentencePairing.allCases {
            var manifests: [DatasetManifest] = []
            for threads in [1, 3, 2] {
                let out = DocumentDatasetFixture.temporaryDirectory("out")
                defer { try? FileManager.default.removeItem(atPath: out) }
                let summary = try MaskingJob.run(configuration(out, pairs: pairs, threads: threads))
                XCTAssertEqual(summary.shards, 9)
                XCTAssertEqual(summary.statistics.documents, 300)
                manifests.append(try Dataset.readManifest(in: out))
                let records = try DocumentDatasetFixture.records(in: out)
                XCTAssertEqual(records.count, summary.statistics.instances)
                // Instance layout 2: positions fit uint8 at length 128; pair columns only with pairs.
                let schema = manifests.last!.schema
                XCTAssertEqual(
                    schema,
                    InstanceSchema.make(
                        vocabularySize: Synthetic.vocabulary.count, maxSequenceLength: 128, pairs: pairs != .none))
                XCTAssertEqual(schema.fields[1].type, .uint8)
                for r in records {
                    XCTAssertLessThanOrEqual(r.columns[0].count, 128)
                    XCTAssertLessThanOrEqual(r.columns[1].count, 19)
                    XCTAssertEqual(r.columns[1].count, r.columns[2].count)
                    if pairs != .none {
                        XCTAssertEqual(r.columns[3].count, 1); XCTAssertEqual(r.columns[4].count, 1)
                        XCTAssert((2...r.columns[0].count).contains(Int(r.columns[4][0])), "segment B start in range")
                    }
                }
            }
            XCTAssertEqual(manifests[0].shards, manifests[1].shards, "\(pairs): 1 vs 3 threads")
            XCTAssertEqual(manifests[0].shards, manifests[2].shards, "\(pairs): 1 vs 2 threads")
            XCTAssertEqual(manifests[0].config, manifests[1].config)
        }
    }

    /// Full-sentence packing over the dataset reproduces every document's tokens in order.
    func testEveryTokenOfEveryDocumentLandsInAnInstance() throws {
        let out = DocumentDatasetFixture.temporaryDirectory("out")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var c = configuration(out, pairs: .none)
        c.instances.dupeFactor = 1
        let summary = try MaskingJob.run(c)
        XCTAssertGreaterThan(summary.statistics.sentencesSplit, 5)
        XCTAssertEqual(summary.statistics.emptyDocuments, documents.filter { $0.tokens.isEmpty }.count)
        var content: [UInt32] = []
        for r in try DocumentDatasetFixture.records(in: out) {
            var ids = r.columns[0]
            for (p, l) in zip(r.columns[1], r.columns[2]) { ids[Int(p)] = l }
            content += ids.dropFirst().dropLast()
        }
        XCTAssertEqual(content, documents.flatMap(\.tokens))
        // The vocabulary travels with the dataset, so inspect needs no --vocab.
        XCTAssert(FileManager.default.fileExists(atPath: out + "/vocab.txt"))
    }

    /// A killed run leaves finished shards, a partial temporary file and a journal; the re-run
    /// keeps the finished shards and produces exactly the bytes of an uninterrupted run.
    func testInterruptedRunResumesToIdenticalOutput() throws {
        let reference = DocumentDatasetFixture.temporaryDirectory("ref")
        let resumed = DocumentDatasetFixture.temporaryDirectory("resumed")
        defer { for d in [reference, resumed] { try? FileManager.default.removeItem(atPath: d) } }
        let full = try MaskingJob.run(configuration(reference, threads: 2))

        var c = configuration(resumed, threads: 3)
        c.interruptAfterShards = 4
        XCTAssertThrowsError(try MaskingJob.run(c)) { e in
            guard case MaskingError.interrupted = e else { return XCTFail("\(e)") }
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: resumed)
        XCTAssertFalse(left.contains(Dataset.manifestName))
        XCTAssert(left.contains { $0.contains(".tmp-") }, "a partial temporary shard should be left: \(left)")
        // Damage one finished shard: it must be redone, not kept.
        let damaged = Dataset.shardPath(in: resumed, index: 1)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: damaged))
        bytes[bytes.count / 2] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: damaged))

        c.interruptAfterShards = nil
        c.threads = 1
        let summary = try MaskingJob.run(c)
        XCTAssertEqual(summary.shardsReused, 3)
        XCTAssertEqual(summary.statistics, full.statistics)
        XCTAssertEqual(try Dataset.readManifest(in: resumed), try Dataset.readManifest(in: reference))
        XCTAssertFalse(
            try FileManager.default.contentsOfDirectory(atPath: resumed).contains {
                $0.contains(".tmp-") || $0 == journalFileName
            })

        // A third run finds the finished dataset and does nothing.
        let again = try MaskingJob.run(c)
        XCTAssertEqual(again.shardsReused, 9)
        XCTAssertEqual(again.statistics, full.statistics)
    }

    /// Progress is reported as values (the job draws nothing): documents done, in order, up to all.
    func testProgressCountsDocuments() throws {
        let out = DocumentDatasetFixture.temporaryDirectory("out")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var c = configuration(out, threads: 2)
        let events = Events()
        c.progress = { events.append($0) }
        _ = try MaskingJob.run(c)
        let seen = events.all
        XCTAssertGreaterThan(seen.count, 9)
        XCTAssert(seen.allSatisfy { $0.unit == .documents && $0.total == 300 })
        XCTAssertEqual(seen.map(\.completed), seen.map(\.completed).sorted())
        XCTAssertEqual(seen.last?.completed, 300)
    }

    /// Collects events from the job's `@Sendable` callback.
    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [ProgressEvent] = []
        func append(_ e: ProgressEvent) { lock.lock(); events.append(e); lock.unlock() }
        var all: [ProgressEvent] { lock.lock(); defer { lock.unlock() }; return events }
    }

    func testBadInputGivesClearErrors() throws {
        let out = DocumentDatasetFixture.temporaryDirectory("out")
        defer { try? FileManager.default.removeItem(atPath: out) }

        // Missing manifest.
        let empty = DocumentDatasetFixture.temporaryDirectory("empty")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        var c = configuration(out)
        c.input = empty
        assertError(try MaskingJob.run(c), contains: ["manifest.json", empty], badInput: true)

        // A flipped bit in an input shard.
        let shard = Dataset.shardPath(in: input, index: 1)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        bytes[bytes.count / 3] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: shard))
        assertError(try MaskingJob.run(configuration(out)), contains: ["shard-00001.drbs"], badInput: true)

        // Record count in the manifest disagrees with the shard.
        try FileManager.default.removeItem(atPath: input)
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        var m = try DocumentDatasetFixture.write(documents, shards: 3, to: input)
        m.shards[2].records += 1
        try Dataset.writeManifest(m, to: input)
        assertError(try MaskingJob.run(configuration(out)), contains: ["shard-00002.drbs", "records"], badInput: true)

        // An instance dataset is not a document dataset.
        m.shards[2].records -= 1
        try Dataset.writeManifest(m, to: input)
        _ = try MaskingJob.run(configuration(out))
        var wrong = configuration(DocumentDatasetFixture.temporaryDirectory("out2"))
        wrong.input = out
        assertError(try MaskingJob.run(wrong), contains: ["kind", "instances"], badInput: true)

        // A different config into a finished output directory.
        var other = configuration(out)
        other.seed = 9
        assertError(try MaskingJob.run(other), contains: [out, "other settings"], badInput: true)

        // No vocabulary in the dataset directory and none given; then a different vocabulary file.
        try FileManager.default.removeItem(atPath: input + "/vocab.txt")
        let fresh = DocumentDatasetFixture.temporaryDirectory("out3")
        defer { try? FileManager.default.removeItem(atPath: fresh) }
        assertError(
            try MaskingJob.run(configuration(fresh)), contains: [input, "vocab.txt", "--vocab"], badInput: true)
        var otherVocab = configuration(fresh)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        otherVocab.vocabulary = root.appendingPathComponent("Vocab/bert-base-chinese/vocab.txt").path
        assertError(
            try MaskingJob.run(otherVocab), contains: ["bert-base-chinese/vocab.txt", "tokens"], badInput: true)

        let edited = fresh + "-vocab.txt"
        defer { try? FileManager.default.removeItem(atPath: edited) }
        var text = try String(contentsOfFile: Synthetic.vocabulary.path, encoding: .utf8)
        text = text.replacingOccurrences(of: "\nhello\n", with: "\nhellx\n")
        try text.write(toFile: edited, atomically: true, encoding: .utf8)
        var sameSize = configuration(fresh)
        sameSize.vocabulary = edited
        assertError(try MaskingJob.run(sameSize), contains: [edited, "SHA-256"], badInput: true)

        // Options out of range.
        var badOptions = configuration(out)
        badOptions.instances.maxSequenceLength = 4
        assertError(try MaskingJob.run(badOptions), contains: ["--max-seq-length"], badInput: true)
    }

    func testSentenceLengthsThatContradictTheTokensNameTheRecord() throws {
        try FileManager.default.removeItem(atPath: input)
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        var docs = documents
        docs[150].sentenceLengths.append(3)  // shard 1, record 50
        try DocumentDatasetFixture.write(docs, shards: 3, to: input)
        let out = DocumentDatasetFixture.temporaryDirectory("out")
        defer { try? FileManager.default.removeItem(atPath: out) }
        assertError(
            try MaskingJob.run(configuration(out, threads: 2)),
            contains: ["shard-00001.drbs", "record 50", "sentence lengths"], badInput: true)
    }

    func testInspectRendersEveryInstanceInOrder() throws {
        let out = DocumentDatasetFixture.temporaryDirectory("out")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let summary = try MaskingJob.run(configuration(out, pairs: .sop))
        let inspector = try DatasetInspector(directory: out)
        var lines: [String] = []
        try inspector.render(json: true, limit: nil) { lines.append($0) }
        XCTAssertEqual(lines.count, summary.statistics.instances)
        let records = try DocumentDatasetFixture.records(in: out)
        for (line, record) in zip(lines, records).prefix(50) {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual((o["input_ids"] as! [Int]).map(UInt32.init), record.columns[0])
            XCTAssertEqual((o["masked_positions"] as! [Int]).map(UInt32.init), record.columns[1])
            XCTAssertEqual((o["masked_labels"] as! [Int]).map(UInt32.init), record.columns[2])
            XCTAssertEqual(o["next_sentence_label"] as? Int, Int(record.columns[3][0]))
            // segment_ids are printed per token, as stored by layout 1: 0…0 up to segment_b_start, then 1…1.
            let segments = (o["segment_ids"] as! [Int]).map(UInt32.init)
            let b = Int(record.columns[4][0])
            XCTAssertEqual(
                segments, Array(repeating: 0, count: b) + Array(repeating: 1, count: record.columns[0].count - b))
        }
        var text: [String] = []
        try inspector.render(json: false, limit: 3) { text.append($0) }
        XCTAssertEqual(text.count, 3)
        XCTAssert(text[0].contains("[CLS]") && text[0].contains("→"), text[0])
    }

    func assertError(
        _ body: @autoclosure () throws -> Any, contains parts: [String], badInput: Bool,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { e in
            guard let m = e as? MaskingError else { return XCTFail("not a MaskingError: \(e)", file: file, line: line) }
            for p in parts {
                XCTAssert(m.description.contains(p), "'\(m.description)' lacks '\(p)'", file: file, line: line)
            }
            XCTAssertEqual(m.isBadInput, badInput, m.description, file: file, line: line)
            XCTAssertFalse(m.description.contains("\n"), file: file, line: line)
        }
    }
}
