// Shards: the `.drbs` container (docs/shard-format.md) and datasets made of it (docs/shards.md).
// It knows byte layouts and files, not what the columns mean beyond the two record schemas.
//
// Entry points — everything else in the module is internal:
//
// Datasets
// - `Dataset.readManifest(in:)`, `Dataset.writeManifest(_:to:)`, `Dataset.shardPath(in:index:)`,
//   `Dataset.manifestName`: the directory layout, shards named in order, the manifest written last.
// - `Dataset.verify(directory:all:threads:progress:)` → `DatasetVerification` (`DatasetProblem`s):
//   every checksum, record layout and count (`prep verify`).
// - `DatasetManifest`, `ShardSummary`, `VocabularyIdentity`: what the manifest records.
// - `ResumableShardedOutput`: the output directory of a resumable job (config hash, journal of
//   finished shards, keep/refuse/rebuild a finished dataset, manifest last); `ConfigurationHash`:
//   the SHA-256 of a job's canonical settings text.
// - `Partition`: `--partition I/N`, one contiguous share of a job's units (`prep merge` joins them).
// Records
// - `ShardSchema`, `ShardField`, `ShardElementType`, `ShardRecord`: columns and records.
// - `DocumentSchema`, `InstanceSchema` (with their `Column` names): the two layouts the pipeline
//   writes; `InstanceSchema.segmentIDs(count:segmentBStart:)`: token type ids of layout 2.
// Writing and reading
// - `ShardWriter`: appends `ShardRecord`s or `EncodedRecords` (records encoded on worker threads),
//   `finish()` renames the complete shard into place, `abandon()` drops it.
// - `ShardReader`: random access by record (`read`, a range under one lock, `withRecord` in
//   place as a `ShardRecordView` of `ShardColumnView`s), blocks (`blockCount`, `recordRange(ofBlock:)`).
// Shared with the stages above
// - `ProgressEvent`: how far a long job has come (stages report it; `prep` renders it).
// - `SHA256Hasher.hex(of:)`: the content hash manifests record for a vocabulary.
// - `ShardError`: every error of the module, naming the file and the position.
