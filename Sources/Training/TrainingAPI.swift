// The Training module's face: what `prep` (train, eval, export, compare) uses. It reads
// `Batch` (module Batches) and needs nothing else but OpenBLAS (and Open MPI, loaded at run time).
//
//   TrainingOptions (ModelSource/ModelSize, DecoderOptions, EncoderAttention, LearningRateDecay)
//                                                   a run's settings, stored in its checkpoints
//   TrainingOptions.modelConfig(vocabularySize:)    the encoder's ModelConfig (HF BertConfig fields)
//   BatchSource, EpochSource                        where batches come from; state saved in checkpoints
//   SyntheticBatchSource                            random batches for benchmarks and smoke tests
//   Trainer(options:run:config:resume:makeSource:evalSource:), Trainer(...start: .fresh/.resume/.overwrite...)
//   Trainer.train() -> Outcome, .step, .history, .progress, .lastCheckpoint, .installSignalHandlers()
//   Trainer.skippedCheckpoints                      damaged checkpoints --resume passed over, one line each
//   StepMetrics                                     one line of RUN/metrics.jsonl
//   Checkpoint.latest(run:), .loadState(_:) -> TrainerState, .loadModel(_:state:batchSize:)
//                                                   every file verified against checkpoint.json (CRC-32)
//   evaluate(_:source:maxBatches:) -> EvaluationResult   held-out MLM loss and accuracy
//   BertExport.export(run:output:vocabulary:lowercase:) -> Summary   the encoder as HF BertModel
//   RunComparison (.metrics, .summarize, .table, .svg), RunSummary   `prep compare`
//   Parallel.threads, BLASThreads (.set, .ensureTunedKernel, .stopIdlePool)   threads
//   ProcessGroup (.join, .single, .rank, .size, .abort, .finish), Trainer(...group:), Trainer.rowsPerRank
//   RankSliceSource, Batch.rows(_:)                 data-parallel training under MPI (Distributed/)
//   SplitMix64 (.next, .nextGaussian, .mix)        the seeded generator of initialisation and fine-tuning
//   AtomicFile.write(_:to:)                        temp name (hidden), fsync, rename, fsync the directory
//   TrainingError (.description, .exitCode)        every failure, naming the file or step
//   EncoderNetwork (setInputs, embed, encode, hiddenGradient, backward, backwardEmbeddings,
//     step, load, safetensors), PretrainedEncoder.locate   the encoder as a block for the
//                                                   Finetuning module's heads (FineTuning/)
//
// Inside: Ops/ holds the kernels, TransformerEncoder + Decoders/ + MLMHead make up
// MaskedLanguageModel, whose arenas are laid out by ParameterLayout and ActivationArena.
