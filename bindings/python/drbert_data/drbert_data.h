/* drbert_data: the C ABI of drbert-swift's streaming loader (libdrbert_data.so, built by
 * `swift build -c release --product drbert_data`; Sources/DrbertDataABI implements it).
 *
 * A loader is one rank's stream of one epoch, opened from a JSON object of `prep stream`
 * settings (keys: directories, weights, batchSize, seed, epoch, worldSize, rank, padTo,
 * maxPredictions, threads, prefetch, windowBlocks, blockRecords, bucketBatches,
 * skipCorrupt, mask, maskedLmProb, vocab, maxSeqLength, pairs, shortSeqProb; unknown keys
 * are refused). Functions that can fail return a status < 0 and write a NUL-terminated,
 * one-line message into `error` (at most `capacity` bytes, `error` may be NULL). No
 * function aborts the process on bad input. A handle is used by one thread at a time. */
#ifndef DRBERT_DATA_H
#define DRBERT_DATA_H
#include <stddef.h>
#include <stdint.h>

#define DRBERT_DATA_ABI_VERSION 1
#define DRBERT_DATA_OK 0
#define DRBERT_DATA_INVALID_INPUT (-1) /* settings, state or call order */
#define DRBERT_DATA_BAD_DATA (-2)      /* missing, corrupt or mismatched data */
#define DRBERT_DATA_FAILURE (-3)       /* I/O failure while running */

typedef struct drbert_data_loader drbert_data_loader;

int32_t drbert_data_abi_version(void);

/* state_json: NULL, or a state as `prep stream --save-state` writes it. */
int32_t drbert_data_open(const char *settings_json, const char *state_json, drbert_data_loader **loader,
                         char *error, size_t capacity);

/* 1: a batch of rows x length was taken (has_pairs: some sample has an NSP/SOP label);
 * 0: the epoch is over; < 0: failure. Any output pointer may be NULL. */
int32_t drbert_data_next(drbert_data_loader *loader, int64_t *rows, int64_t *length, int32_t *has_pairs,
                         char *error, size_t capacity);

/* Copies the batch last taken into caller-owned arrays: rows x length input_ids,
 * attention_mask, token_type_ids, labels (original id at masked positions, -100
 * elsewhere); rows next_sentence_label (-100 without a pair) and sample_index. NULL skips. */
int32_t drbert_data_fill(drbert_data_loader *loader, int64_t *input_ids, int64_t *attention_mask,
                         int64_t *token_type_ids, int64_t *labels, int64_t *next_sentence_label,
                         int64_t *sample_index, char *error, size_t capacity);

/* The position after the batches taken: the JSON of `prep stream --save-state` without its
 * final newline. Free *json with drbert_data_free_string. */
int32_t drbert_data_state(drbert_data_loader *loader, char **json, char *error, size_t capacity);
/* The state once every rank has taken `batches` batches from where the loader started,
 * whatever this handle has read itself (for consumers counting batches read elsewhere). */
int32_t drbert_data_state_after(drbert_data_loader *loader, int64_t batches, char **json, char *error,
                                size_t capacity);
void drbert_data_free_string(char *text);

/* This rank's batches from where the loader started to the end of the epoch; the epoch's
 * samples over all ranks; the data's vocabulary size. */
int32_t drbert_data_counts(drbert_data_loader *loader, int64_t *batches, int64_t *samples_per_epoch,
                           int64_t *vocabulary_size, char *error, size_t capacity);

/* Stops the loader's threads and frees it; NULL is allowed. */
void drbert_data_close(drbert_data_loader *loader);

#endif
