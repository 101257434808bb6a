import ArgumentParser
import Corpus
import Tokenization

/// The normalizer flags of `prep normalize`, `prep encode` and `prep tokenize`, declared
/// once so the three spell, document and check them alike.
struct NormalizerArguments: ParsableArguments {
    @Flag(help: "Keep case and accents (the reference's lowercase=False).") var noLowercase = false
    @Option(help: "reference (identical to the pinned reference) or current (Unicode 15 via ICU).") var unicode =
        "reference"
    @Option(help: "Pre-normalization before the BERT normalizer: none, nfc or nfkc.") var normalization = "none"

    func validate() throws {
        guard NormalizerOptions.UnicodeBehaviour(rawValue: unicode) != nil else {
            throw ValidationError("--unicode must be reference or current")
        }
        guard NormalizerOptions.PreNormalization(rawValue: normalization) != nil else {
            throw ValidationError("--normalization must be none, nfc or nfkc")
        }
    }

    /// What the flags change in a vocabulary's normalizer: a tokenizer.json's own lowercase
    /// setting stays unless --no-lowercase is given.
    var overrides: NormalizerOverrides {
        NormalizerOverrides(
            lowercase: noLowercase ? false : nil,
            unicode: .init(rawValue: unicode)!, preNormalization: .init(rawValue: normalization)!)
    }

    /// The normalizer without a vocabulary: BERT uncased with the flags applied.
    var options: NormalizerOptions {
        var options = NormalizerOptions()
        options.lowercase = !noLowercase
        options.unicode = .init(rawValue: unicode)!
        options.preNormalization = .init(rawValue: normalization)!
        return options
    }
}
