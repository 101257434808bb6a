import ArgumentParser
import Corpus

/// How `prep encode` and `prep tokenize` turn input text into tokenizer input: the
/// normalizer flags plus how records are read (bad UTF-8, JSONL text fields). (`prep
/// normalize` has the normalizer flags only: its splitter marks bad bytes itself; `prep vocab`
/// has its own normalizer flags, those of the reference trainer.)
struct TextInputArguments: ParsableArguments {
    @OptionGroup var normalizer: NormalizerArguments
    @OptionGroup var records: RecordReadingArguments

    var invalidUTF8: InvalidUTF8Policy { records.invalidUTF8 }
    var maxInvalidUTF8: Double { records.maxInvalidUTF8 }
    var validatedTextFields: TextFields { records.validatedTextFields }
}
