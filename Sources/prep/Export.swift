import ArgumentParser
import Foundation
import Training

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a run's encoder as a stock Hugging Face BERT (BertModel), decoder dropped.",
        discussion: """
            Writes DIR/model.safetensors (embeddings.*, encoder.layer.N.*, an HF-initialised \
            pooler), config.json, vocab.txt and tokenizer_config.json; load it with \
            transformers.BertModel.from_pretrained(DIR). See docs/decoders.md.
            """)

    @Argument(help: "Run directory (its newest checkpoint) or a checkpoint directory.")
    var runDirectory: String
    @Option(help: "Output directory (must not exist or be empty).")
    var output: String
    @Option(
        help:
            "vocab.txt the training data was tokenized with (one token per line, as many as the model's vocab_size; default: the copy in the run's dataset directory)."
    )
    var vocab: String?
    @Flag(name: .customLong("cased"), help: "The vocabulary is cased: write do_lower_case false.")
    var cased = false

    func run() throws {
        try reportingErrors {
            let vocabulary: String
            if let vocab {
                try RunVocabulary.check(vocab, run: runDirectory)
                vocabulary = vocab
            } else {
                vocabulary = try RunVocabulary.locate(run: runDirectory)
            }
            let s = try BertExport.export(run: runDirectory, output: output, vocabulary: vocabulary, lowercase: !cased)
            print(
                "exported \(s.exported.count) tensors (\(s.bytes) bytes) from \(s.checkpoint) to \(output); dropped \(s.dropped.count) decoder/head tensors"
            )
        }
    }
}
