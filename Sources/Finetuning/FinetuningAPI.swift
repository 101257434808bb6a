// Finetuning's face: labelled task data for sequence classification / regression, GLUE's
// metrics, and (owned by the model side, appended below) the classifier, SiFT and the
// fine-tuning loop. This list is all that `prep` may call.
//
// Task data and metrics (Sources/Finetuning/TaskData, Sources/Finetuning/Metrics):
// - `TaskKind` (`classification`, `regression`): what the label column holds.
// - `TaskDataOptions(kind:numLabels:textColumn:pairColumn:labelColumn:maxLength:requireLabels:)`:
//   which columns (a TSV header name or a 0-based index; JSONL keys), the label count to check,
//   truncation length (counts [CLS]/[SEP], as HF's `max_length`).
// - `TaskDataset.load(_:options:tokenizer:labelNames:)`: reads a GLUE TSV (`.tsv`) or JSONL
//   (`.jsonl`/`.json`) file into `EncodedExample`s (`inputIDs`, `tokenTypeIDs`, `label`, `line`),
//   `[CLS] A [SEP] B [SEP]`, longest-first truncation; `labelNames` (index → name) from train
//   fixes the label set of dev/test files.
// - `TaskDataError` (`description` is one line naming file, line and column; `exitCode` 2).
// - `TaskMetrics.classification(predictions:labels:numLabels:)` → accuracy, macro_f1,
//   matthews_correlation; `TaskMetrics.regression(predictions:labels:)` → pearson, spearman
//   (GLUE's definitions, as scikit-learn / SciPy compute them).
//
// Model side:
// - `FineTuneJob(...).run(epochDone:)` → `FineTuneJob.Summary`: `prep finetune` (vocabulary
//   check, task files, classifier from `--init`, training, DIR/metrics.jsonl, the model directory).
// - `FineTuneOptions`, `SiFTOptions`, `EpochMetrics` (one line of metrics.jsonl).
// - `SequenceClassifier` (BertForSequenceClassification on `EncoderNetwork`), `HeadKind`,
//   `ClassifierBatch`, `.accumulate`, `.accumulateSiFT`, `.predict`; `FineTuner` (the loop).
// - `FineTunedModel.isFineTuned/.load/.export`: the fine-tuned directory (`prep predict`, `prep export`).
// - `Prediction.run(model:input:batchSize:)` → `Prediction.Row`s: `prep predict`.
