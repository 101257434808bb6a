import ArgumentParser
import Corpus
import Foundation

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
    @Option(help: "Input file, or - for standard input (.zst and .gz are decompressed).") var input = "-"
    @Option(help: "text (one text per line) or jsonl (the \"text\" member of one object per line).") var format = "text"
    @Flag(help: "Do not add [CLS] … [SEP].") var noSpecialTokens = false
    @Flag(help: "Print token strings instead of ids.") var tokens = false
    @OptionGroup var text: TextInputArguments

    func validate() throws {
        guard InputFormat(rawValue: format) != nil else { throw ValidationError("--format must be text or jsonl") }
    }

    func run() throws {
        var job = EncodeJob(vocabularyPath: vocab)
        job.input = input
        job.format = InputFormat(rawValue: format)!
        job.normalizer = text.normalizer.overrides
        job.addSpecialTokens = !noSpecialTokens
        job.printTokens = tokens
        job.onInvalid = text.invalidUTF8
        job.maxInvalidUTF8 = text.maxInvalidUTF8
        job.textFields = text.validatedTextFields
        try reportingErrors {
            let summary = try job.run(output: OutputBuffer(fd: 1))
            for w in summary.warnings { FileHandle.standardError.write(Data((w + "\n").utf8)) }
        }
    }
}
