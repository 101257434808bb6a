#include <lzma.h>

// LZMA_CONCATENATED is a macro with a cast, which Swift does not import; this constant carries it.
static const uint32_t clzma_concatenated = LZMA_CONCATENATED;
