#include <zlib.h>

// inflateInit2 is a macro (it passes the header's version and struct size), which Swift
// cannot call; this wrapper does. 15 + 16: a 32 KiB window and gzip framing only, so a
// raw zlib stream is refused rather than guessed.
static inline int czlib_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}
