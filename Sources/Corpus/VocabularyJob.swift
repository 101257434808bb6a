import Foundation
import Tokenization

/// `prep vocab`: corpus → `vocab.txt` + `tokenizer.json`, the vocabulary HF `tokenizers`
/// 0.23.3's `BertWordPieceTokenizer.train` learns from the same inputs and options
/// (word counts from `CorpusWordCounter`, merges from `WordPieceTrainer`).
public struct VocabularyJob {
    public var inputs: [String]
    public var outputDirectory: String
    public var format: InputFormat? = nil
    public var threads = 1
    public var normalizer = NormalizerOptions()
    public var onInvalid = InvalidUTF8Policy.replace
    /// Chooses the files of directory inputs by name (fnmatch); `nil`: text and JSONL extensions.
    public var glob: String? = nil
    /// With `.replace`, a file whose invalid UTF-8 bytes exceed this fraction of its bytes is refused.
    public var maxInvalidUTF8 = InvalidUTF8Threshold.defaultFraction
    /// JSONL: the members a document's text is read from.
    public var textFields = TextFields.default
    public var training = WordPieceTrainingOptions()
    /// A vocab.txt that HF trained on the same inputs with the same options: its run's
    /// hash-order choices are replayed (`HashOrderChoices`), so the result is the same file.
    public var replayedVocabularyPath: String? = nil
    /// Counting progress: input bytes read so far, total input bytes.
    public var progress: ((Int, Int) -> Void)? = nil

    public init(inputs: [String], outputDirectory: String) {
        self.inputs = inputs; self.outputDirectory = outputDirectory
    }

    public struct Summary: Codable, Equatable {
        public var inputBytes = 0
        /// Word occurrences counted.
        public var words: UInt64 = 0
        public var distinctWords = 0
        /// Characters in the alphabet, after the limit; `distinctCharacters` before it.
        public var alphabetSize = 0
        public var distinctCharacters = 0
        public var merges = 0
        /// Tokens in the vocabulary written.
        public var vocabularySize = 0
        public var countingSeconds = 0.0
        public var trainingSeconds = 0.0
        public var seconds = 0.0
        public var replacedInvalidUTF8 = 0
        public var output = ""
        public var warnings: [String] = []
    }

    public func run() throws -> Summary {
        let start = Date()
        guard let unknown = training.specialTokens.first(where: { $0 == Vocabulary.unknownToken }) else {
            throw TokenizationError.input(
                path: "--special-tokens", detail: "must include \(Vocabulary.unknownToken), the WordPiece unknown token"
            )
        }
        let inputs = try InputFiles.expand(self.inputs, glob: glob)
        _ = try InputFiles.totalSize(of: inputs)
        var choices = HashOrderChoices()
        if let path = replayedVocabularyPath {
            choices = HashOrderChoices(replaying: try Vocabulary(path: path).tokens, options: training)
        }
        try VocabularyFiles.prepare(outputDirectory)

        var counter = CorpusWordCounter(inputs: inputs)
        counter.format = format
        counter.threads = threads
        counter.normalizer = normalizer
        counter.onInvalid = onInvalid
        counter.maxInvalidUTF8 = maxInvalidUTF8
        counter.textFields = textFields
        counter.progress = progress
        let counted = try counter.run()
        var summary = Summary()
        summary.inputBytes = counted.inputBytes
        summary.words = counted.words.totalOccurrences
        summary.distinctWords = counted.words.count
        summary.replacedInvalidUTF8 = counted.replacedInvalidUTF8
        summary.countingSeconds = Date().timeIntervalSince(start)
        guard counted.words.count > 0 else {
            throw TokenizationError.input(
                path: inputsName, detail: "no words to learn a vocabulary from (empty corpus)")
        }

        let trainingStart = Date()
        let result = WordPieceTrainer(options: training).train(counted.words, choices: choices)
        summary.trainingSeconds = Date().timeIntervalSince(trainingStart)
        let specials = Set(training.specialTokens.map { Array($0.utf8) }).count
        if specials + result.alphabetSize > training.vocabularySize {
            throw TokenizationError.input(
                path: inputsName,
                detail:
                    "vocabulary size \(training.vocabularySize) is smaller than the \(specials) special tokens plus the \(result.alphabetSize)-character alphabet (raise --vocab-size or lower --limit-alphabet)"
            )
        }
        summary.alphabetSize = result.alphabetSize
        summary.distinctCharacters = result.distinctCharacters
        summary.merges = result.merges
        summary.vocabularySize = result.tokens.count
        if result.tokens.count > training.vocabularySize {
            summary.warnings.append(
                "warning: the vocabulary has \(result.tokens.count) tokens, more than the \(training.vocabularySize) asked for: the special tokens, the alphabet and its continuation forms alone take that many"
            )
        }
        if counted.replacedInvalidUTF8 > 0 {
            summary.warnings.append(
                "warning: replaced \(counted.replacedInvalidUTF8) invalid UTF-8 sequence(s) with U+FFFD (use --on-invalid fail to stop instead)"
            )
        }
        if counted.cutLines > 0 {
            summary.warnings.append(
                "warning: \(counted.cutLines) line(s) longer than 64 MB were counted in pieces (a word at a cut may be split)"
            )
        }

        try VocabularyFiles.write(
            VocabularyFiles.vocabularyText(result.tokens), name: VocabularyFiles.vocabularyName,
            in: outputDirectory)
        try VocabularyFiles.write(
            VocabularyFiles.tokenizerJSON(
                tokens: result.tokens, specialTokens: training.specialTokens,
                normalizer: normalizer, prefix: training.continuingSubwordPrefix,
                unknownToken: unknown),
            name: VocabularyFiles.tokenizerName, in: outputDirectory)
        summary.output = outputDirectory
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// The inputs for a message: the file, or the first and how many more.
    private var inputsName: String {
        inputs.count == 1 ? inputs[0] : "\(inputs.first ?? "<no input>") and \(max(inputs.count - 1, 0)) more input(s)"
    }
}
