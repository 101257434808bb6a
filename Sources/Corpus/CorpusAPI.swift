// Corpus: raw text in, token ids out — `prep encode` (ids on stdout) and `prep tokenize`
// (document shards), on the tokenizer of the Tokenization module (docs/tokenizer.md).
//
// Entry points — everything else in the module (input streams, line reading, JSON text
// extraction, chunking, the ordered worker pipeline, the document shard sink) is internal:
//
// - `TokenizeJob` (`run()` → `TokenizeJob.Summary`): a corpus into a document dataset; resumes an
//   interrupted run; reports `ProgressEvent`s in input bytes through `progress`. `partition`
//   (`--partition I/N`) tokenizes one part's share of the input bytes (cut at document
//   boundaries); `TokenizeJob.digestKey` and the part keys are what `prep merge` reads.
// - `DocumentStreamDigest`: the composable digest of a dataset's ordered documents (manifest
//   `documents_digest`), by which `prep mask` identifies its input.
// - `EncodeJob` (`run(output:)` → `EncodeJob.Summary`) with `OutputBuffer`: one line of ids per
//   input line.
// - `InputFormat`, `InvalidUTF8Policy`, `NormalizerOverrides`, `TextFields` (JSONL members),
//   `InvalidUTF8Threshold` (the `--max-invalid-utf8` default): the options the jobs share.
//   Inputs may be `.zst`/`.gz`/`.xz`/`.bz2`, directories (`glob`) or `-`; binary files are refused by magic.
// - `VocabularyFile`: a vocabulary read once, with the identity a manifest records; `store(readFrom:as:in:)`
//   puts those very bytes in a dataset being written (tokenize and mask keep the vocabulary with the data).
