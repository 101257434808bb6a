// The Loading module's face: what `prep` (stream, train, eval, compare) uses.
//
//   StreamingLoader(directories:weights:options:resumeFrom:)  one rank's batches of one epoch
//   StreamingLoader.next() -> Batch?                          the next batch, nil at the end
//   StreamingLoader.state, .vocabularySize                    position to save; the data's vocabulary size
//   LoaderOptions                                             batch shape, order, threads, masking, instances
//   LoaderState (.isEpochComplete, .startOfNextEpoch())       a saved position (JSON, Codable)
//   StateFile.read(_:), StateFile.write(_:to:)                loader states on disk, written atomically
//   StreamRun(directories:options:).run(output:) -> Summary   `prep stream`: drain, print, save, time
//   LoaderStatistics                                          blocks and tokens read, corrupt blocks skipped
//   LoaderError (.description, .exitCode)                     every failure, naming dataset, shard or block
//
// Batches come as `Batch` (module Batches). Inside: Sources/ turns shards into blocks of
// samples, Order/ fixes the epoch's order, Pipeline/ caches blocks and assembles batches.
