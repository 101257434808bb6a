// Masking: documents into masked pretraining instances — `prep mask` writes them
// (docs/masking.md), and the loader reuses the same builder and masker for dynamic masking.
//
// Entry points — everything else in the module is internal:
//
// The job
// - `MaskingJob.run(_:)` with `MaskingJobConfiguration` → `MaskingRunSummary`: a document dataset
//   into an instance dataset; resumes an interrupted run; reports `ProgressEvent`s in documents.
//   `MaskingJobConfiguration.defaultMaxPredictions(maxSequenceLength:)`: the `--max-predictions` default.
// - `DatasetInspector`: the records of a dataset as JSON lines or a readable view (`prep inspect`).
// - `MaskingError` (`isBadInput` picks the exit status).
// Building blocks the loader shares
// - `InstanceBuilder` (`build(_:index:copy:documentCount:fetch:into:statistics:)` with a
//   `DocumentFetcher`): one document's instances, into an `InstanceBatch`; `TokenizedDocument`,
//   `InstanceOptions` with `SentencePairing`, `InstanceStatistics`.
// - `Masker` (`mask(_:positions:labels:…)`, with a reusable `MaskingWorkspace`), configured by
//   `MaskingOptions` with `MaskingStrategy`; `InstanceRandom`: the keyed random streams.
// - `VocabularyLocator.load(explicit:dataset:identity:)`: the vocabulary a dataset was made with.
