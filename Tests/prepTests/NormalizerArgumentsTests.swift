import Corpus
import Foundation
@testable import prep
import Tokenization
import XCTest

/// The normalizer option group `prep normalize`, `prep encode` and `prep tokenize` share.
final class NormalizerArgumentsTests: XCTestCase {
    func testDefaultsLeaveTheNormalizerAlone() throws {
        let arguments = try NormalizerArguments.parse([])
        XCTAssertFalse(arguments.noLowercase)
        XCTAssertEqual(arguments.unicode, "reference")
        XCTAssertEqual(arguments.normalization, "none")
        // No --no-lowercase: a tokenizer.json's own lowercase setting is kept.
        XCTAssertEqual(arguments.overrides, NormalizerOverrides())
        XCTAssertEqual(arguments.options, NormalizerOptions())
    }

    func testFlagsReachTheNormalizer() throws {
        let arguments = try NormalizerArguments.parse([
            "--no-lowercase", "--unicode", "current", "--normalization", "nfkc",
        ])
        XCTAssertEqual(
            arguments.overrides, NormalizerOverrides(lowercase: false, unicode: .current, preNormalization: .nfkc))
        var expected = NormalizerOptions()
        expected.lowercase = false; expected.unicode = .current; expected.preNormalization = .nfkc
        XCTAssertEqual(arguments.options, expected)
        XCTAssertEqual(try NormalizerArguments.parse(["--normalization", "nfc"]).options.preNormalization, .nfc)
    }

    func testBadValuesAreRefused() {
        for (arguments, message) in [
            (["--unicode", "latest"], "--unicode must be reference or current"),
            (["--normalization", "nfd"], "--normalization must be none, nfc or nfkc"),
        ] {
            XCTAssertThrowsError(try NormalizerArguments.parse(arguments)) { error in
                XCTAssertEqual(NormalizerArguments.message(for: error), message)
            }
        }
        XCTAssertThrowsError(try TextInputArguments.parse(["--on-invalid", "skip"])) { error in
            XCTAssertEqual(TextInputArguments.message(for: error), "--on-invalid must be replace or fail")
        }
    }

    func testInvalidUTF8Policy() throws {
        XCTAssertEqual(try TextInputArguments.parse([]).invalidUTF8, .replace)
        XCTAssertEqual(try TextInputArguments.parse(["--on-invalid", "fail"]).invalidUTF8, .fail)
    }

    func testEveryTokenizingCommandUsesTheGroup() throws {
        let flags = ["--no-lowercase", "--unicode", "current", "--normalization", "nfc"]
        let expected = NormalizerOverrides(lowercase: false, unicode: .current, preNormalization: .nfc)
        let encode = try EncodeCommand.parse(["--vocab", "v"] + flags + ["--on-invalid", "fail"])
        XCTAssertEqual(encode.text.normalizer.overrides, expected)
        XCTAssertEqual(encode.text.invalidUTF8, .fail)
        let tokenize = try TokenizeCommand.parse(["--vocab", "v", "--input", "a", "--output", "o"] + flags)
        XCTAssertEqual(tokenize.text.normalizer.overrides, expected)
        XCTAssertEqual(tokenize.text.invalidUTF8, .replace)
        let normalize = try NormalizeCommand.parse(flags)
        XCTAssertEqual(normalize.normalizer.options.unicode, .current)
        XCTAssertFalse(normalize.normalizer.options.lowercase)
        XCTAssertThrowsError(try NormalizeCommand.parse(["--on-invalid", "fail"]))
    }
}
