// ZSTD_STATIC_LINKING_ONLY: for ZSTD_c_literalCompressionMode (an "experimental" parameter,
// unchanged since zstd 1.4). ShardWriter sets it through ZSTD_CCtx_setParameter and ignores a
// library that refuses it, so the frames stay plain zstd frames either way.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
