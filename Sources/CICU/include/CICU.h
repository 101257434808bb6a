#ifndef DRBERT_CICU_H
#define DRBERT_CICU_H
// Our own narrow view of ICU: only plain C types cross this header, so Swift
// modules that also import Foundation (which bundles a private ICU) compile.
#include <stdint.h>

/// ICU's Unicode version as "major.minor", for diagnostics.
const char *drb_icu_unicode_version(void);

#endif
