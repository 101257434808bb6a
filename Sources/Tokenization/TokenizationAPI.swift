// Tokenization's face: BERT WordPiece with the ids of HF `tokenizers` 0.23.3, and the BERT
// normalizer and pre-tokenizer in front of it. Everything else in the module is internal, so
// this list is all that Corpus, Masking, Loading and `prep` can reach. Token ids are `UInt32`
// on every entry point (ids, special ids, lookups), the type they keep up to the trainer.
//
// - `Vocabulary(path:)`, or `Vocabulary.readFile(_:)` then `Vocabulary(fileBytes:path:)`: load vocab.txt or tokenizer.json.
// - `Vocabulary.count`, `tokens`, `token(for:)`, `path`: ids to text (inspect, encode --tokens, messages).
// - `Vocabulary.special` (`SpecialTokenIDs`), `isSpecial(_:)`, `isContinuation(_:)`: what masking asks of the vocabulary.
// - `Vocabulary.normalizer`, `duplicateWarning`: a tokenizer.json's settings; the one warning for repeated tokens.
// - `NormalizerOptions`, with `UnicodeBehaviour` and `PreNormalization`: the BertNormalizer settings.
// - `BertTokenizer(vocabulary:normalizer:)`: what threads share; `makeEncoder()` gives each thread its `BertEncoder`.
// - `BertEncoder.appendIDs(of:to:)`: the corpus path (ids only); `replacedInvalidSequences` counts U+FFFD repairs.
// - `BertEncoder.encode(_:pair:options:into:)`, with `EncodeOptions(addSpecialTokens:maxLength:)`, into an `Encoding` (`ids`, `typeIDs`): the parity path.
// - `BertTextSplitter(options:)`, `split(_:sourceBase:into:)` into a `PreTokenizedText` (`forEachWord`): normalizer + pre-tokenizer alone.
// - `NormalizerBenchmark.forEachLine`, `json`, `measure`: the line loop, output and timing of `prep normalize`.
// - `UTF8Repair.firstInvalidOffset(_:)`: where `--on-invalid fail` stops; `repair(_:into:)`: U+FFFD
//   per maximal ill-formed subpart, for readers that split text themselves (vocabulary counting).
// - `TokenizerJSONWriter.bytes(for:normalizer:)`: an HF `tokenizer.json` of a vocabulary (`prep export`);
//   `.bytes(tokens:addedTokens:...postProcessor:)` from its parts (`prep vocab`); `.appendJSONString`.
// - `Vocabulary.unknownToken`: the WordPiece unknown token a trained vocabulary must contain.
// - `WordPieceTrainer`, `WordPieceTrainingOptions`, `WordCountTable`, `HashOrderChoices`,
//   `WordPieceTrainingResult`: HF's WordPieceTrainer over word counts (`prep vocab`).
// - `StrictJSON.locate(_:in:into:)` (into `JSONMemberLocation`s) and `StrictJSON.appendString(at:of:to:)`:
//   the strict JSON reader for JSONL lines (whole line validated, keys as bytes, last duplicate
//   wins); `StrictJSONError` (offset, line, byte column, detail).
// - `TokenizationError` (its `exitCode`: 2 bad input, 1 failure while running) and `NormalizerError`.
