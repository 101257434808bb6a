import Batches
import Foundation
import XCTest
import Masking
import Shards
@testable import Loading

final class ShardLoaderTests: XCTestCase {
    private func options(batch: Int = 16, seed: UInt64 = 5, epoch: Int = 0, threads: Int = 2) -> LoaderOptions {
        var o = LoaderOptions(batchSize: batch)
        o.seed = seed; o.epoch = epoch; o.workerThreads = threads; o.windowBlocks = 3
        return o
    }

    func testBatchesHoldTheStoredInstances() throws {
        let dir = try temporaryDirectory(self)
        try writeInstanceDataset(at: dir, records: 300, shards: 3)
        let loader = try StreamingLoader(directories: [dir], options: options())
        XCTAssertEqual(loader.vocabularySize, 30522)
        XCTAssertEqual(loader.samplesPerEpoch, 300)
        var seen: [Int] = []
        while let b = try loader.next() {
            XCTAssertEqual(b.maxPredictions, 2)
            for (row, i) in b.sampleIndices.enumerated() {
                var expected = unmaskedInstance(i)
                XCTAssertEqual(Array(b.maskedPositions[row * 2..<row * 2 + 2]), [1, 3])
                XCTAssertEqual(Array(b.maskedLabels[row * 2..<row * 2 + 2]), [expected[1], expected[3]])
                expected[1] = 103; expected[3] = 103
                let rowIDs = Array(b.inputIDs[row * b.sequenceLength..<(row + 1) * b.sequenceLength])
                XCTAssertEqual(Array(rowIDs.prefix(expected.count)), expected)
                XCTAssertTrue(rowIDs.dropFirst(expected.count).allSatisfy { $0 == 0 }, "[PAD] is 0 in this vocabulary")
                XCTAssertEqual(b.segmentIDs[row * b.sequenceLength + expected.count - 1], 1)
                XCTAssertEqual(b.nextSentenceLabels[row], Batch.noLabel, "no pair label stored")
            }
            seen += b.sampleIndices
        }
        XCTAssertEqual(seen.sorted(), Array(0..<300))
        XCTAssertGreaterThan(loader.statistics.blocksDecoded, 3, "several blocks per shard")
    }

    /// Datasets of instance layout 1 (per-token `segment_ids`) still load, into the same samples.
    /// (Batches group samples by block, and the layouts have different block boundaries, so
    /// samples are compared by index.)
    func testLegacyInstanceLayoutGivesTheSameSamples() throws {
        func samples(_ dir: String) throws -> [Int: [UInt32]] {
            let loader = try StreamingLoader(directories: [dir], options: options())
            var out: [Int: [UInt32]] = [:]
            while let b = try loader.next() {
                for (row, i) in b.sampleIndices.enumerated() {
                    let L = b.sequenceLength, P = b.maxPredictions
                    let ids = b.inputIDs[row * L..<(row + 1) * L].prefix { $0 != 0 }
                    let separator: [UInt32] = [Batch.noLabel]
                    let segments = Array(b.segmentIDs[row * L..<(row * L + ids.count)])
                    let masks =
                        Array(b.maskedPositions[row * P..<(row + 1) * P])
                        + Array(b.maskedLabels[row * P..<(row + 1) * P])
                    out[i] =
                        Array(ids) + separator + segments + separator + masks + separator + [b.nextSentenceLabels[row]]
                }
            }
            return out
        }
        let current = try temporaryDirectory(self), legacy = try temporaryDirectory(self)
        try writeInstanceDataset(at: current, records: 120, shards: 2)
        try writeInstanceDataset(at: legacy, records: 120, shards: 2, legacyLayout: true)
        XCTAssertNotEqual(try Dataset.readManifest(in: current).schema, try Dataset.readManifest(in: legacy).schema)
        let a = try samples(current), b = try samples(legacy)
        XCTAssertEqual(a.count, 120)
        XCTAssertEqual(a, b)
        XCTAssert(a[7]!.contains(1), "segment B present")
    }

    /// Read units smaller than a block (`blockRecords`) hold the same samples as whole blocks;
    /// a unit's decompressed records read as `ShardReader.read` decodes them.
    func testBlockPiecesHoldTheSameSamples() throws {
        let dir = try temporaryDirectory(self)
        try writeInstanceDataset(at: dir, records: 150, shards: 2)
        func samples(_ o: LoaderOptions) throws -> [Int: [UInt32]] {
            var out: [Int: [UInt32]] = [:]
            let loader = try StreamingLoader(directories: [dir], options: o)
            while let b = try loader.next() {
                for (row, i) in b.sampleIndices.enumerated() {
                    let L = b.sequenceLength, P = b.maxPredictions
                    out[i] =
                        Array(b.inputIDs[row * L..<(row + 1) * L].prefix { $0 != 0 })
                        + Array(b.maskedLabels[row * P..<(row + 1) * P])
                }
            }
            return out
        }
        var pieces = options(); pieces.blockRecords = 3
        XCTAssertEqual(try samples(pieces), try samples(options()))

        let reader = try ShardReader(path: Dataset.shardPath(in: dir, index: 0))
        let block = reader.recordRange(ofBlock: 1)
        let unit = (block.lowerBound + 1)..<block.upperBound
        let contents = try reader.contents(ofRecords: unit)
        var record = ShardRecord(columnCount: reader.schema.fields.count)
        for i in unit {
            try reader.read(i, into: &record)
            for f in record.columns.indices {
                let c = contents.column(f, ofRecord: i)
                XCTAssertEqual((0..<c.count).map { c[$0] }, record.columns[f], "record \(i) column \(f)")
            }
        }
    }

    func testMixingTwoDirectoriesNumbersSamplesAcrossThem() throws {
        let a = try temporaryDirectory(self), b = try temporaryDirectory(self)
        try writeInstanceDataset(at: a, records: 50, shards: 1)
        try writeInstanceDataset(at: b, records: 70, shards: 2)
        let loader = try StreamingLoader(directories: [a, b], options: options())
        XCTAssertEqual(try loader.drainIndices().flatMap { $0 }.sorted(), Array(0..<120))
    }

    /// Flips one byte inside a compressed block: reading stops with an error naming the
    /// shard and the block; with skipCorrupt that block's records are skipped and counted.
    func testCorruptBlockIsReportedOrSkipped() throws {
        let dir = try temporaryDirectory(self)
        try writeInstanceDataset(at: dir, records: 400, shards: 2)
        let shard = Dataset.shardPath(in: dir, index: 1)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        bytes[bytes.count * 2 / 5] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: shard))

        let loader = try StreamingLoader(directories: [dir], options: options())
        XCTAssertThrowsError(try loader.drainIndices()) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("shard-00001.drbs"), message)
            XCTAssertTrue(message.contains("block"), message)
            XCTAssertTrue(message.contains("checksum"), message)
        }

        var o = options(); o.skipCorrupt = true
        let skipping = try StreamingLoader(directories: [dir], options: o)
        let seen = try skipping.drainIndices().flatMap { $0 }
        let stats = skipping.statistics
        XCTAssertEqual(stats.corruptBlocks.count, 1)
        XCTAssertGreaterThan(stats.samplesSkipped, 0)
        XCTAssertEqual(seen.count + stats.samplesSkipped, 400)
        XCTAssertEqual(Set(seen).count, seen.count)
        XCTAssertTrue(seen.allSatisfy { (0..<400).contains($0) })
    }

    func testMissingManifestIsAClearError() throws {
        let dir = try temporaryDirectory(self)
        XCTAssertThrowsError(try StreamingLoader(directories: [dir], options: options())) { error in
            XCTAssertTrue("\(error)".contains(dir), "\(error)")
            XCTAssertTrue("\(error)".contains("manifest"), "\(error)")
        }
    }

    private func dynamicOptions(epoch: Int = 0, threads: Int = 2) -> LoaderOptions {
        var o = options(epoch: epoch, threads: threads)
        var m = MaskingOptions(); m.strategy = .wholeWord; m.maxPredictions = 10
        o.masking = m
        o.maxPredictions = 10
        return o
    }

    private func maskedRows(_ loader: StreamingLoader) throws -> [Int: [UInt32]] {
        var rows: [Int: [UInt32]] = [:]
        while let b = try loader.next() {
            for (r, i) in b.sampleIndices.enumerated() {
                let ids = Array(b.inputIDs[r * b.sequenceLength..<(r + 1) * b.sequenceLength])
                rows[i] = ids + Array(b.maskedPositions[r * 10..<(r + 1) * 10])
            }
        }
        return rows
    }

    func testDynamicMaskingUndoesStoredMasksAndRemasksPerEpoch() throws {
        let dir = try temporaryDirectory(self)
        try writeInstanceDataset(at: dir, records: 200, shards: 2)
        let loader = try StreamingLoader(directories: [dir], options: dynamicOptions())
        var count = 0
        while let b = try loader.next() {
            for (r, i) in b.sampleIndices.enumerated() {
                let original = unmaskedInstance(i)
                var ids = Array(b.inputIDs[r * b.sequenceLength..<r * b.sequenceLength + original.count])
                let masks = (0..<10).filter { b.maskedLabels[r * 10 + $0] != Batch.noLabel }
                XCTAssertFalse(masks.isEmpty)
                for m in masks { ids[Int(b.maskedPositions[r * 10 + m])] = b.maskedLabels[r * 10 + m] }
                XCTAssertEqual(ids, original, "undoing the fresh masks gives the unmasked instance")
                // Reproducible per (seed, epoch, index) with the masker alone.
                var again = original, positions: [UInt32] = [], labels: [UInt32] = []
                var masking = MaskingOptions(); masking.strategy = .wholeWord; masking.maxPredictions = 10
                var random = InstanceRandom(seed: 5, streams: 0, UInt64(i), 0)
                Masker(options: masking, vocabulary: Fixture.vocabulary).mask(
                    &again, positions: &positions, labels: &labels, using: &random)
                XCTAssertEqual(masks.map { b.maskedPositions[r * 10 + $0] }, positions)
                count += 1
            }
        }
        XCTAssertEqual(count, 200)

        let epoch0 = try maskedRows(StreamingLoader(directories: [dir], options: dynamicOptions(epoch: 0, threads: 0)))
        let epoch0Threads = try maskedRows(
            StreamingLoader(directories: [dir], options: dynamicOptions(epoch: 0, threads: 3)))
        let epoch1 = try maskedRows(StreamingLoader(directories: [dir], options: dynamicOptions(epoch: 1)))
        XCTAssertEqual(epoch0, epoch0Threads)
        let differing = (0..<200).filter { epoch0[$0] != epoch1[$0] }.count
        XCTAssertGreaterThan(differing, 150, "masks change from one epoch to the next")
    }

    func testDocumentDatasetsArePackedAndMasked() throws {
        let dir = try temporaryDirectory(self)
        let vocab = Fixture.vocabulary
        let schema = DocumentSchema.make(vocabularySize: vocab.count)
        let w = try ShardWriter(path: Dataset.shardPath(in: dir, index: 0), schema: schema, targetBlockBytes: 1024)
        var totalTokens = 0
        for d in 0..<40 {
            var r = ShardRecord(columnCount: 2)
            let lengths: [UInt32] = (0..<(1 + d % 6)).map { UInt32(5 + ($0 * 13 + d * 7) % 90) }
            r.columns[1] = lengths
            r.columns[0] = (0..<Int(lengths.reduce(0, +))).map { UInt32(2000 + ($0 + d * 100) % 20000) }
            totalTokens += r.columns[0].count
            try w.append(r)
        }
        let m = DatasetManifest(
            formatVersion: DatasetManifest.currentFormatVersion, kind: "documents", schema: schema,
            config: [:], vocab: try copyVocabulary(into: dir),
            shards: [try w.finish()])
        try Dataset.writeManifest(m, to: dir)
        var o = dynamicOptions(); o.documentInstances.maxSequenceLength = 64
        let loader = try StreamingLoader(directories: [dir], options: o)
        var tokens = 0, rows = 0
        while let b = try loader.next() {
            XCTAssertLessThanOrEqual(b.sequenceLength, 64)
            for r in 0..<b.size {
                let mask = b.attentionMask[r * b.sequenceLength..<(r + 1) * b.sequenceLength]
                let n = mask.reduce(0) { $0 + Int($1) }
                XCTAssertEqual(b.inputIDs[r * b.sequenceLength], 101)
                XCTAssertEqual(b.inputIDs[r * b.sequenceLength + n - 1], 102)
                tokens += n - 2
                XCTAssertNotEqual(b.maskedLabels[r * 10], Batch.noLabel)
            }
            rows += b.size
        }
        XCTAssertEqual(tokens, totalTokens, "packing keeps every token")
        XCTAssertEqual(rows, loader.samplesPerEpoch)

        // The instances are exactly those prep mask's InstanceBuilder makes with this seed.
        var builder = InstanceBuilder(
            options: o.documentInstances, masking: o.masking!, vocabulary: vocab, seed: o.seed)
        var built = InstanceBatch(), stats = InstanceStatistics()
        let reader = try ShardReader(path: Dataset.shardPath(in: dir, index: 0))
        var record = ShardRecord(columnCount: 2)
        for d in 0..<40 {
            try reader.read(d, into: &record)
            try builder.build(
                TokenizedDocument(tokens: record.columns[0], sentenceLengths: record.columns[1]), index: d,
                copy: 0, documentCount: 40, fetch: { _, _ in }, into: &built, statistics: &stats)
        }
        func unmasked(_ ids: [UInt32], _ positions: [UInt32], _ labels: [UInt32]) -> [UInt32] {
            var ids = ids
            for (p, l) in zip(positions, labels) where l != Batch.noLabel { ids[Int(p)] = l }
            return ids
        }
        var expected: [[UInt32]] = []
        for i in 0..<built.count {
            let t = built.tokenRange(i), m = built.maskRange(i)
            expected.append(
                unmasked(Array(built.inputIDs[t]), Array(built.maskedPositions[m]), Array(built.maskedLabels[m])))
        }
        var got: [Int: [UInt32]] = [:]
        let again = try StreamingLoader(directories: [dir], options: o)
        while let b = try again.next() {
            for r in 0..<b.size {
                let n = Int(b.attentionMask[r * b.sequenceLength..<(r + 1) * b.sequenceLength].reduce(0, +))
                got[b.sampleIndices[r]] = unmasked(
                    Array(b.inputIDs[r * b.sequenceLength..<r * b.sequenceLength + n]),
                    Array(b.maskedPositions[r * 10..<(r + 1) * 10]),
                    Array(b.maskedLabels[r * 10..<(r + 1) * 10]))
            }
        }
        XCTAssertEqual((0..<expected.count).map { got[$0] ?? [] }, expected)
    }
}
