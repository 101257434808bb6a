import ArgumentParser
import Corpus

/// How the corpus commands read records out of their input files: what to do with bytes that
/// are not UTF-8, and which JSONL members hold the text. Shared by encode, tokenize and vocab.
struct RecordReadingArguments: ParsableArguments {
    @Option(help: "replace (U+FFFD, one warning) or fail (stop at the first bad byte).") var onInvalid = "replace"

    @Option(
        name: .customLong("max-invalid-utf8"),
        help: "With replace: refuse a file whose invalid UTF-8 bytes exceed this fraction of its bytes (1 = never).")
    var maxInvalidUTF8 = InvalidUTF8Threshold.defaultFraction

    @Option(
        name: .customLong("text-field"),
        help:
            "JSONL: the member holding the text (dotted path for nested objects: meta.body); repeat to join several into one document, separated by a blank line. Default: text."
    )
    var textField: [String] = []

    func validate() throws {
        guard InvalidUTF8Policy(rawValue: onInvalid) != nil else {
            throw ValidationError("--on-invalid must be replace or fail")
        }
        do { _ = try textFields() } catch { throw ValidationError("\(error)") }
        var numbers = NumericOptions()
        numbers.check("max-invalid-utf8", maxInvalidUTF8, .probability)
        try numbers.validate()
    }

    /// The `--text-field` keys, `text` when none is given.
    func textFields() throws -> TextFields { textField.isEmpty ? .default : try TextFields(textField) }
    /// Valid once `validate()` has run.
    var validatedTextFields: TextFields { (try? textFields()) ?? .default }

    var invalidUTF8: InvalidUTF8Policy { InvalidUTF8Policy(rawValue: onInvalid)! }
}
