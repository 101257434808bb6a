import ArgumentParser
import Foundation
import Loading
import Masking
@testable import prep
import Training
import XCTest

/// The one masking-strategy parser, in every command that takes a strategy.
final class MaskingStrategyParsingTests: XCTestCase {
    let every: [(String, MaskingStrategy)] = [
        ("token", .token), ("whole-word", .wholeWord), ("span", .span),
        ("ngram:1", .ngram(maxN: 1)), ("ngram:3", .ngram(maxN: 3)), ("ngram:16", .ngram(maxN: 16)),
    ]

    func testEverySpellingParsesAndPrintsBack() throws {
        for (spelling, strategy) in every {
            XCTAssertEqual(try MaskingStrategy(parsing: spelling), strategy, spelling)
            XCTAssertEqual(strategy.spelling, spelling)
        }
    }

    func testManifestSpellingIsUnchanged() {
        XCTAssertEqual(MaskingStrategy.ngram(maxN: 3).description, "ngram-3")
        XCTAssertEqual(MaskingStrategy.wholeWord.description, "whole-word")
    }

    func testBadSpellingsAreRefusedWithTheReason() {
        let unknown = ["", "Token", "whole_word", "wholeword", "spans", "ngram", "ngram3", " span"]
        for s in unknown {
            XCTAssertThrowsError(try MaskingStrategy(parsing: s), s) { error in
                XCTAssertEqual("\(error)", "'\(s)' is not a masking strategy (token, whole-word, span or ngram:N)")
            }
        }
        for (s, count) in [
            ("ngram:", ""), ("ngram:0", "0"), ("ngram:-2", "-2"), ("ngram:x", "x"), ("ngram:3.5", "3.5"),
        ] {
            XCTAssertThrowsError(try MaskingStrategy(parsing: s), s) { error in
                XCTAssertEqual("\(error)", "ngram:N needs a whole number N of at least 1, got '\(count)'")
            }
        }
        // The manifest's spelling, typed on the command line, gets the right one suggested.
        XCTAssertThrowsError(try MaskingStrategy(parsing: "ngram-3")) { error in
            XCTAssertTrue("\(error)".hasSuffix("write ngram:3"), "\(error)")
        }
    }

    private func mask(_ extra: [String]) throws -> MaskingStrategy {
        try MaskCommand.parse(["--input", "in", "--output", "out"] + extra).strategy()
    }

    func testMaskCommandTakesTheFlagsAndMaskAlike() throws {
        XCTAssertEqual(try mask([]), .token)
        XCTAssertEqual(try mask(["--whole-word"]), .wholeWord)
        XCTAssertEqual(try mask(["--span"]), .span)
        XCTAssertEqual(try mask(["--ngram", "3"]), .ngram(maxN: 3))
        for (spelling, strategy) in every {
            XCTAssertEqual(try mask(["--mask", spelling]), strategy, spelling)
        }
    }

    func testMaskCommandRefusesTwoStrategies() {
        let pairs: [[String]] = [
            ["--whole-word", "--span"], ["--whole-word", "--mask", "whole-word"], ["--span", "--ngram", "2"],
            ["--ngram", "3", "--mask", "ngram:3"], ["--mask", "token", "--span"],
        ]
        for arguments in pairs {
            XCTAssertThrowsError(try mask(arguments), "\(arguments)") { error in
                XCTAssertTrue(
                    MaskCommand.message(for: error).hasPrefix("choose one masking strategy, not --"),
                    MaskCommand.message(for: error))
            }
        }
        XCTAssertThrowsError(try mask(["--whole-word", "--span", "--ngram", "2"])) { error in
            XCTAssertEqual(
                MaskCommand.message(for: error), "choose one masking strategy, not --whole-word, --span and --ngram")
        }
    }

    func testMaskCommandRefusesBadSpellings() {
        XCTAssertThrowsError(try mask(["--mask", "ngram-3"])) { error in
            XCTAssertTrue(MaskCommand.message(for: error).hasPrefix("--mask: 'ngram-3' is not a masking strategy"))
        }
        XCTAssertThrowsError(try mask(["--ngram", "0"])) { error in
            XCTAssertEqual(
                MaskCommand.message(for: error), "--ngram: ngram:N needs a whole number N of at least 1, got '0'")
        }
    }

    func testStreamAndTrainParseMaskWithTheSameParser() throws {
        for (spelling, strategy) in every {
            XCTAssertEqual(try StreamCommand.parse(["d", "--batch-size", "1", "--mask", spelling]).mask, strategy)
            XCTAssertEqual(
                try Train.parse(["--data", "d", "--steps", "1", "--out", "r", "--mask", spelling]).mask, strategy)
        }
        XCTAssertNil(try StreamCommand.parse(["d", "--batch-size", "1"]).mask)
        XCTAssertThrowsError(try StreamCommand.parse(["d", "--batch-size", "1", "--mask", "ngram-2"])) { error in
            XCTAssertTrue(
                StreamCommand.message(for: error).contains("'ngram-2' is not a masking strategy"),
                StreamCommand.message(for: error))
        }
        XCTAssertThrowsError(try Train.parse(["--data", "d", "--steps", "1", "--out", "r", "--mask", "ngram:0"]))
    }

    /// `prep train` hands the parsed strategy to the loader; a checkpoint saved before the
    /// loader options were stored keeps the spelling in `trainer_state.json`, and `eval` and
    /// `compare` read it back through the same parser.
    func testTrainingReadsTheStrategyAndOldCheckpointsParseBack() throws {
        let options = TrainingOptions()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strategy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (spelling, strategy) in every {
            let reading = DataReading(masking: strategy)
            XCTAssertEqual(
                TrainCommand.loaderOptions(options, reading: reading, seed: 0).masking?.strategy, strategy, spelling)
            let legacy = #"{"options": {"dynamicMasking": "\#(strategy.spelling)", "maskedLMProbability": 0.2}}"#
            try Data(legacy.utf8).write(to: URL(fileURLWithPath: dir + "/trainer_state.json"))
            let saved = DataReading.saved(inCheckpoint: dir)
            XCTAssertEqual(saved.masking, strategy, spelling)
            XCTAssertEqual(saved.maskedLMProbability, 0.2)
        }
        XCTAssertNil(TrainCommand.loaderOptions(options, reading: DataReading(), seed: 0).masking)
    }

    func testCommandLineRefusesTwoStrategiesWithOneLineAndStatus2() throws {
        let r = try PrepProcess.run(["mask", "--input", "in", "--output", "out", "--span", "--mask", "span"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.err.hasPrefix("Error: choose one masking strategy, not --span and --mask\n"), r.err)
        let s = try PrepProcess.run(["stream", "d", "--batch-size", "1", "--mask", "whole_word"])
        XCTAssertEqual(s.status, 2)
        XCTAssertTrue(s.err.contains("'whole_word' is not a masking strategy"), s.err)
    }

    /// `prep mask --mask S` writes the same dataset as the shorthand flag for S.
    func testMaskOptionWritesTheSameShardsAsTheShorthand() throws {
        let dir = try makeTemporaryDirectory("mask-strategy")
        let vocab = PrepProcess.root.appendingPathComponent("Vocab/bert-base-uncased/vocab.txt").path
        let text = (0..<40).map { d in
            (0..<4).map { "Sentence \($0) of document \(d) says something unremarkable." }.joined(separator: "\n")
        }
        try (text.joined(separator: "\n\n") + "\n").write(
            toFile: dir + "/corpus.txt", atomically: false, encoding: .utf8)
        let tokenized = try PrepProcess.run([
            "tokenize", "--vocab", vocab, "--input", dir + "/corpus.txt", "--output", dir + "/docs",
        ])
        XCTAssertEqual(tokenized.status, 0, tokenized.err)
        for (flag, spelling) in [(["--whole-word"], "whole-word"), (["--ngram", "2"], "ngram:2")] {
            var shards: [[Data]] = []
            for (name, arguments) in [("flag", flag), ("mask", ["--mask", spelling])] {
                let out = "\(dir)/\(spelling)-\(name)"
                let r = try PrepProcess.run(
                    [
                        "mask", "--input", dir + "/docs", "--output", out, "--vocab", vocab,
                        "--seed", "3", "--threads", "1",
                    ] + arguments)
                XCTAssertEqual(r.status, 0, r.err)
                let names = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".drbs") }
                    .sorted()
                XCTAssertFalse(names.isEmpty)
                shards.append(try names.map { try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0)) })
            }
            XCTAssertEqual(shards[0], shards[1], spelling)
        }
    }
}
