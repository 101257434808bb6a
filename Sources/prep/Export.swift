import ArgumentParser
import Finetuning
import Foundation
import Shards
import Tokenization
import Training

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a run as a stock Hugging Face BERT directory (weights, config, tokenizer).",
        discussion: """
            An mlm run is written in the BertForPreTraining layout (encoder, pooler, trained MLM \
            head, NSP head): it loads as BertForMaskedLM, BertForPreTraining and BertModel. An \
            emd or bpdec run is written as a BertModel: its MLM head belongs to the decoder and is \
            dropped, unless --with-decoder keeps the decoder tensors under their checkpoint names. \
            The pooler and NSP head are untrained (initialised as HF would, --seed). Also writes \
            config.json, vocab.txt, tokenizer.json, tokenizer_config.json and \
            special_tokens_map.json, so AutoTokenizer.from_pretrained(DIR) gives prep's ids. \
            See docs/training.md.
            """)

    @Argument(help: "Run directory (its newest checkpoint) or a checkpoint directory.")
    var runDirectory: String
    @Option(help: "Output directory (must not exist or be empty).")
    var output: String
    @Option(
        help:
            "vocab.txt or tokenizer.json the training data was tokenized with (as many tokens as the model's vocab_size; default: the copy in the run's dataset directory)."
    )
    var vocab: String?
    @Flag(name: .customLong("cased"), help: "The data was tokenized without lowercasing: write lowercase false.")
    var cased = false
    @Flag(
        name: .customLong("with-decoder"),
        help: "emd/bpdec runs: keep the decoder and its MLM head (decoder.*, cls.*) in model.safetensors.")
    var withDecoder = false
    @Option(help: "Seed of the untrained pooler and NSP head.")
    var seed: UInt64 = 0
    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        // An output in the way is bad usage (exit 2), refused before any work.
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: output), !contents.isEmpty {
            ErrorReport(
                message: "\(output): already exists and is not empty; remove it or choose another --output",
                exitCode: 2
            ).write()
            throw ExitCode(2)
        }
        try reportingErrors {
            // A fine-tuned model directory is already transformers' layout: copied as it is.
            if FineTunedModel.isFineTuned(runDirectory) {
                let files = try FineTunedModel.export(runDirectory, to: output)
                if json {
                    try printJSONSummary(
                        ["checkpoint": runDirectory, "output": output, "architecture": "BertForSequenceClassification"])
                } else {
                    print(
                        "exported the fine-tuned BertForSequenceClassification \(runDirectory) to \(output) (\(files.count) files)"
                    )
                }
                return
            }
            let vocabulary: String
            if let vocab {
                try RunVocabulary.check(vocab, run: runDirectory)
                vocabulary = vocab
            } else {
                vocabulary = try RunVocabulary.locate(run: runDirectory)
            }
            var notes: [String] = []
            let tokenizer = try ExportTokenizerFiles.make(
                vocabulary: vocabulary, run: runDirectory, cased: cased, notes: &notes)
            var s = try BertExport.export(
                run: runDirectory, output: output, tokenizer: tokenizer,
                options: BertExport.Options(withDecoder: withDecoder, seed: seed))
            s.notes += notes
            if json {
                try printJSONSummary(s)
            } else {
                print(
                    "exported \(s.exported.count) tensors (\(s.bytes) bytes) as \(s.architecture) from \(s.checkpoint) to \(output); dropped \(s.dropped.count) decoder/head tensors"
                )
                for n in s.notes { FileHandle.standardError.write(Data("note: \(n)\n".utf8)) }
            }
        }
    }
}

/// The tokenizer an export carries: the vocabulary read with our tokenizer (vocab.txt or
/// tokenizer.json) and the normalizer settings the data was tokenized with — a tokenizer.json's
/// own, else those the run's dataset manifest records (`prep tokenize` output), else BERT's
/// defaults; `--cased` turns lowercasing off and is refused when the data says otherwise.
enum ExportTokenizerFiles {
    static func make(
        vocabulary path: String, run: String, cased: Bool, notes: inout [String]
    ) throws
        -> ExportTokenizer
    {
        let vocabulary = try Vocabulary(path: path)
        var options = vocabulary.normalizer ?? NormalizerOptions()
        var from = vocabulary.normalizer == nil ? "BERT defaults" : path
        if vocabulary.normalizer == nil, let recorded = recordedSettings(run: run) {
            let (dataset, config) = recorded
            if let v = config["lowercase"].flatMap(Bool.init) { options.lowercase = v }
            if let v = config["strip_accents"].flatMap(Bool.init) { options.stripAccents = v }
            if let v = config["handle_chinese_chars"].flatMap(Bool.init) { options.handleChineseChars = v }
            if let v = config["clean_text"].flatMap(Bool.init) { options.cleanText = v }
            from = dataset + "/manifest.json"
            for key in ["unicode", "normalization"] {
                if let v = config[key], v != "reference", v != "none" {
                    notes.append(
                        "the data was tokenized with \(key) \(v), which tokenizer.json's BertNormalizer cannot express")
                }
            }
        }
        if cased && options.lowercase && from != "BERT defaults" {
            throw TrainingError.badConfig(
                from, "the data was tokenized with lowercase true (as recorded there); --cased contradicts it")
        }
        if cased {
            options.lowercase = false
            from += ", --cased"
        }
        notes.append(
            "tokenizer: lowercase \(options.lowercase), strip_accents \(options.effectiveStripAccents), handle_chinese_chars \(options.handleChineseChars) (from \(from))"
        )
        let json = TokenizerJSONWriter.bytes(for: vocabulary, normalizer: options)
        return ExportTokenizer(
            source: path, tokens: vocabulary.tokens, lowercase: options.lowercase,
            stripAccents: options.stripAccents, handleChineseChars: options.handleChineseChars,
            tokenizerJSON: Data(json))
    }

    /// The first dataset of the run whose manifest records tokenizer settings, with them.
    static func recordedSettings(run: String) -> (String, [String: String])? {
        let checkpoint = Checkpoint.latest(run: run) ?? run
        guard let state = try? Checkpoint.loadState(checkpoint),
            let directories = LoaderBatchSource.savedDirectories(state.sourceState)
        else { return nil }
        for d in directories {
            if let m = try? Dataset.readManifest(in: d), m.config["lowercase"] != nil { return (d, m.config) }
        }
        return nil
    }
}
