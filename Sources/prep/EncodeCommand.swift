import ArgumentParser
import Corpus
import Foundation
import Tokenization

struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Print the token ids of each input line as a JSON array (the parity interface).",
        discussion: """
            Text input: one text per \\n-terminated line (a \\r stays part of the line).
            JSONL input: one object per line; its "text" string is encoded (blank lines are skipped).
            Ids equal HF tokenizers 0.23.3 BertWordPieceTokenizer(vocab, lowercase=...).encode(text).ids.
            """
    )

    @Option(help: "vocab.txt or tokenizer.json.") var vocab: String
    @Option(help: "Input file, or - for standard input (.zst is decompressed).") var input = "-"
    @Option(help: "text (one text per line) or jsonl (the \"text\" member of one object per line).") var format = "text"
    @Flag(help: "Keep case and accents (the reference's lowercase=False).") var noLowercase = false
    @Flag(help: "Do not add [CLS] … [SEP].") var noSpecialTokens = false
    @Flag(help: "Print token strings instead of ids.") var tokens = false
    @Option(help: "reference (identical to the pinned reference) or current (Unicode 15 via ICU).") var unicode = "reference"
    @Option(help: "Pre-normalization before the BERT normalizer: none, nfc or nfkc.") var normalization = "none"
    @Option(help: "replace (U+FFFD, one warning) or fail (stop at the first bad byte).") var onInvalid = "replace"

    func validate() throws {
        guard InputFormat(rawValue: format) != nil else { throw ValidationError("--format must be text or jsonl") }
        guard NormalizerOptions.UnicodeBehaviour(rawValue: unicode) != nil else { throw ValidationError("--unicode must be reference or current") }
        guard NormalizerOptions.PreNormalization(rawValue: normalization) != nil else { throw ValidationError("--normalization must be none, nfc or nfkc") }
        guard InvalidUTF8Policy(rawValue: onInvalid) != nil else { throw ValidationError("--on-invalid must be replace or fail") }
    }

    func run() throws {
        var job = EncodeJob(vocabularyPath: vocab)
        job.input = input
        job.format = InputFormat(rawValue: format)!
        job.normalizer = NormalizerOverrides(lowercase: noLowercase ? false : nil,
                                             unicode: .init(rawValue: unicode)!, preNormalization: .init(rawValue: normalization)!)
        job.addSpecialTokens = !noSpecialTokens
        job.printTokens = tokens
        job.onInvalid = InvalidUTF8Policy(rawValue: onInvalid)!
        try reportingErrors {
            let summary = try job.run(output: OutputBuffer(fd: 1))
            for w in summary.warnings { FileHandle.standardError.write(Data((w + "\n").utf8)) }
        }
    }
}
