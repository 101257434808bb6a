import ArgumentParser
import Corpus

/// How `prep encode` and `prep tokenize` turn input text into tokenizer input: the
/// normalizer flags plus what to do with bytes that are not UTF-8. (`prep normalize` has
/// the normalizer flags only: its splitter marks bad bytes itself.)
struct TextInputArguments: ParsableArguments {
    @OptionGroup var normalizer: NormalizerArguments
    @Option(help: "replace (U+FFFD, one warning) or fail (stop at the first bad byte).") var onInvalid = "replace"

    func validate() throws {
        guard InvalidUTF8Policy(rawValue: onInvalid) != nil else {
            throw ValidationError("--on-invalid must be replace or fail")
        }
    }

    var invalidUTF8: InvalidUTF8Policy { InvalidUTF8Policy(rawValue: onInvalid)! }
}
