import ArgumentParser
import Corpus
import Foundation
import Shards
import Tokenization

struct VocabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vocab",
        abstract: "Learn a WordPiece vocabulary from a corpus (vocab.txt + tokenizer.json).",
        discussion: """
            The algorithm and defaults of HF tokenizers 0.23.3 BertWordPieceTokenizer.train: the same
            normalizer and pre-tokenizer as prep tokenize, then WordPiece merges. Inputs are read as
            prep tokenize reads them (text, JSONL, .zst, .gz, directories, - for stdin). HF breaks some ties by hash order, differently
            in every run; prep vocab breaks them the same way every time, or as the vocab.txt of an HF
            run given to --replay did (then the output is that file, line for line). docs/vocab.md.
            """
    )

    @OptionGroup var files: InputFilesArguments
    @Option(help: "Output directory (vocab.txt, tokenizer.json).") var output: String
    @Option(help: "Tokens wanted; training also stops when no pair is frequent enough.") var vocabSize: Int
    @Option(help: "A pair seen fewer times ends training.") var minFrequency: UInt64 = 2
    @Option(help: "Keep at most this many characters, the most frequent.") var limitAlphabet = 1000
    @Option(help: "Characters to include even if unseen (each character of the string).") var initialAlphabet = ""
    @Option(parsing: .upToNextOption, help: "Special tokens, first in the vocabulary (must include [UNK]).")
    var specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    @Flag(help: "Keep case (and accents, unless stripped explicitly): the reference's lowercase=False.")
    var noLowercase = false
    @Flag(help: "Keep accents (strip_accents=False).") var noStripAccents = false
    @Flag(help: "Do not isolate CJK ideographs (handle_chinese_chars=False).") var noChineseChars = false
    @Option(help: "text, jsonl, or auto (by file name: .jsonl[.zst] is JSONL, anything else text).") var format = "auto"
    @OptionGroup var records: RecordReadingArguments
    @Option(help: "Counting threads (default: all cores).") var threads = DefaultThreads.allCores
    @Option(help: "vocab.txt of an HF run on the same input and options: make its hash-order choices.") var replay:
        String?
    @Flag(help: "Print the report as JSON on standard output.") var json = false

    func validate() throws {
        var numbers = NumericOptions()
        numbers.check("vocab-size", vocabSize, .positive)
        numbers.check("limit-alphabet", limitAlphabet, .nonNegative)
        numbers.check("threads", threads, .within(1, 256))
        try numbers.validate()
        guard format == "auto" || InputFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be text, jsonl or auto")
        }
        guard specialTokens.contains("[UNK]") else {
            throw ValidationError("--special-tokens must include [UNK], the WordPiece unknown token")
        }
        guard !specialTokens.contains(where: { $0.isEmpty || $0.contains(where: \.isNewline) }) else {
            throw ValidationError("--special-tokens must be non-empty and without line breaks")
        }
    }

    func run() throws {
        var job = VocabularyJob(inputs: files.input, outputDirectory: output)
        job.format = InputFormat(rawValue: format)
        job.threads = threads
        job.glob = files.glob
        job.onInvalid = records.invalidUTF8
        job.maxInvalidUTF8 = records.maxInvalidUTF8
        job.textFields = records.validatedTextFields
        job.normalizer.lowercase = !noLowercase
        job.normalizer.stripAccents = noStripAccents ? false : nil
        job.normalizer.handleChineseChars = !noChineseChars
        job.training.vocabularySize = vocabSize
        job.training.minimumFrequency = minFrequency
        job.training.alphabetLimit = limitAlphabet
        job.training.initialAlphabet = Array(initialAlphabet.unicodeScalars)
        job.training.specialTokens = specialTokens
        job.replayedVocabularyPath = replay
        let display = ProgressDisplay(label: "counting words")
        job.progress = { display.update(ProgressEvent(completed: $0, total: $1, unit: .bytes)) }
        try reportingErrors {
            let s: VocabularyJob.Summary
            do { s = try job.run() } catch { display.finish(); throw error }
            display.finish()
            for w in s.warnings { FileHandle.standardError.write(Data((w + "\n").utf8)) }
            if json {
                try printJSONSummary(s)
            } else {
                let line = String(
                    format:
                        "%@: %d tokens (%d merges, %d-character alphabet) from %llu words, %d distinct; %.1f MB in %.1fs\n",
                    s.output, s.vocabularySize, s.merges, s.alphabetSize, s.words, s.distinctWords,
                    Double(s.inputBytes) / 1e6, s.seconds)
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        }
    }
}
