#ifndef DRBERT_CICU_H
#define DRBERT_CICU_H
// Our own narrow view of ICU: only plain C types cross this header, so Swift
// modules that also import Foundation (which bundles a private ICU) compile.
// Code points are uint32_t; sequences are arrays of code points (never UTF-16),
// and every function that fills a buffer returns the number of code points it
// needs, or -1 on an ICU error (a return value larger than `capacity` means the
// buffer was too small and nothing useful was written).
#include <stdint.h>

/// ICU's Unicode version as "major.minor", for diagnostics.
const char *drb_icu_unicode_version(void);

/// General category of `cp` as ICU's `UCharCategory` value (0 = Cn unassigned,
/// 6 = Mn, 15 = Cc, 16 = Cf, 17 = Co, 18 = Cs, 19 = Pd ... 23 = Po, 28 = Pi, 29 = Pf).
int32_t drb_icu_general_category(uint32_t cp);

/// 1 if `cp` has the Unicode White_Space property.
int32_t drb_icu_is_white_space(uint32_t cp);

/// Canonical combining class of `cp` (0 for starters).
int32_t drb_icu_combining_class(uint32_t cp);

/// 1 if `cp` lies in one of the CJK Unified Ideographs blocks (main and extensions)
/// or the CJK Compatibility Ideographs blocks (main and supplement), per ICU's Block property.
int32_t drb_icu_is_cjk_ideograph_block(uint32_t cp);

/// 1 if the full lowercase mapping of `cp` differs from `cp` (Changes_When_Lowercased).
int32_t drb_icu_changes_when_lowercased(uint32_t cp);

/// 1 if `cp` has a canonical decomposition (NFD changes it).
int32_t drb_icu_has_canonical_decomposition(uint32_t cp);

/// Full lowercase mapping of the single code point `cp` in the root locale
/// (no context: a lone capital sigma maps to small sigma, U+0130 to "i" + U+0307).
int32_t drb_icu_lowercase(uint32_t cp, uint32_t *out, int32_t capacity);

/// Full canonical decomposition (NFD) of the single code point `cp`.
int32_t drb_icu_canonical_decomposition(uint32_t cp, uint32_t *out, int32_t capacity);

/// Normalization forms for the functions below.
enum { DRB_ICU_NFC = 0, DRB_ICU_NFKC = 1, DRB_ICU_NFD = 2, DRB_ICU_NFKD = 3 };

/// Normalizes the code point sequence `in[0..<count]` to `form`.
int32_t drb_icu_normalize(int32_t form, const uint32_t *in, int32_t count, uint32_t *out, int32_t capacity);

/// 1 if text can be split before `cp` without changing its normalization to `form`
/// (normalization segments start at such code points).
int32_t drb_icu_has_boundary_before(int32_t form, uint32_t cp);

/// 1 if `cp` is unchanged by `form` whatever surrounds it (ICU's isInert).
int32_t drb_icu_is_inert(int32_t form, uint32_t cp);

#endif
