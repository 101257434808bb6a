#include "CICU.h"
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <stdio.h>
#include <stdlib.h>

const char *drb_icu_unicode_version(void) {
    static char text[U_MAX_VERSION_STRING_LENGTH];
    UVersionInfo v;
    u_getUnicodeVersion(v);
    u_versionToString(v, text);
    return text;
}

int32_t drb_icu_general_category(uint32_t cp) { return (int32_t)u_charType((UChar32)cp); }
int32_t drb_icu_is_white_space(uint32_t cp) { return u_isUWhiteSpace((UChar32)cp) ? 1 : 0; }
int32_t drb_icu_combining_class(uint32_t cp) { return (int32_t)u_getCombiningClass((UChar32)cp); }

int32_t drb_icu_is_cjk_ideograph_block(uint32_t cp) {
    switch (ublock_getCode((UChar32)cp)) {
    case UBLOCK_CJK_UNIFIED_IDEOGRAPHS:
    case UBLOCK_CJK_UNIFIED_IDEOGRAPHS_EXTENSION_A:
    case UBLOCK_CJK_UNIFIED_IDEOGRAPHS_EXTENSION_B:
    case UBLOCK_CJK_UNIFIED_IDEOGRAPHS_EXTENSION_C:
    case UBLOCK_CJK_UNIFIED_IDEOGRAPHS_EXTENSION_D:
    case UBLOCK_CJK_UNIFIED_IDEOGRAPHS_EXTENSION_E:
    case UBLOCK_CJK_UNIFIED_IDEOGRAPHS_EXTENSION_F:
    case UBLOCK_CJK_UNIFIED_IDEOGRAPHS_EXTENSION_G:
    case UBLOCK_CJK_UNIFIED_IDEOGRAPHS_EXTENSION_H:
    case UBLOCK_CJK_COMPATIBILITY_IDEOGRAPHS:
    case UBLOCK_CJK_COMPATIBILITY_IDEOGRAPHS_SUPPLEMENT:
        return 1;
    default:
        return 0;
    }
}

// UTF-16 <-> code point helpers; buffers here are small (one segment or one code point).
static int32_t to_utf16(const uint32_t *in, int32_t count, UChar *out, int32_t capacity) {
    int32_t n = 0;
    for (int32_t i = 0; i < count; i++) {
        if (n + 2 > capacity) return -1;
        UBool err = 0;
        U16_APPEND(out, n, capacity, (UChar32)in[i], err);
        if (err) return -1;
    }
    return n;
}

static int32_t from_utf16(const UChar *in, int32_t length, uint32_t *out, int32_t capacity) {
    int32_t n = 0, i = 0;
    while (i < length) {
        UChar32 c;
        U16_NEXT(in, i, length, c);
        if (n < capacity) out[n] = (uint32_t)c;
        n++;
    }
    return n;
}

int32_t drb_icu_lowercase(uint32_t cp, uint32_t *out, int32_t capacity) {
    UChar src[2], dst[16];
    int32_t srcLength = to_utf16(&cp, 1, src, 2);
    if (srcLength < 0) return -1;
    UErrorCode status = U_ZERO_ERROR;
    int32_t length = u_strToLower(dst, 16, src, srcLength, "", &status);
    if (U_FAILURE(status)) return -1;
    return from_utf16(dst, length, out, capacity);
}

static const UNormalizer2 *normalizer(int32_t form) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *n = NULL;
    switch (form) {
    case DRB_ICU_NFC: n = unorm2_getNFCInstance(&status); break;
    case DRB_ICU_NFKC: n = unorm2_getNFKCInstance(&status); break;
    case DRB_ICU_NFD: n = unorm2_getNFDInstance(&status); break;
    case DRB_ICU_NFKD: n = unorm2_getNFKDInstance(&status); break;
    default: return NULL;
    }
    return U_FAILURE(status) ? NULL : n;
}

int32_t drb_icu_changes_when_lowercased(uint32_t cp) {
    return u_hasBinaryProperty((UChar32)cp, UCHAR_CHANGES_WHEN_LOWERCASED) ? 1 : 0;
}

int32_t drb_icu_has_canonical_decomposition(uint32_t cp) {
    const UNormalizer2 *n = normalizer(DRB_ICU_NFD);
    UChar buffer[32];
    UErrorCode status = U_ZERO_ERROR;
    return n && unorm2_getDecomposition(n, (UChar32)cp, buffer, 32, &status) >= 0 ? 1 : 0;
}

int32_t drb_icu_canonical_decomposition(uint32_t cp, uint32_t *out, int32_t capacity) {
    return drb_icu_normalize(DRB_ICU_NFD, &cp, 1, out, capacity);
}

int32_t drb_icu_normalize(int32_t form, const uint32_t *in, int32_t count, uint32_t *out, int32_t capacity) {
    const UNormalizer2 *n = normalizer(form);
    if (!n) return -1;
    // Segments are short: stack buffers cover all but pathological input (thousands of
    // combining marks in one segment), which gets heap buffers sized for the worst case.
    UChar srcStack[256], dstStack[1024];
    UChar *src = srcStack, *dst = dstStack;
    int32_t srcCapacity = 256, dstCapacity = 1024;
    if (count > 120) {
        srcCapacity = 2 * count;
        dstCapacity = 18 * 2 * count;  // NFKC expands one code point to at most 18
        src = malloc(sizeof(UChar) * (size_t)srcCapacity);
        dst = malloc(sizeof(UChar) * (size_t)dstCapacity);
        if (!src || !dst) { free(src); free(dst); return -1; }
    }
    int32_t result = -1;
    int32_t srcLength = to_utf16(in, count, src, srcCapacity);
    if (srcLength >= 0) {
        UErrorCode status = U_ZERO_ERROR;
        int32_t length = unorm2_normalize(n, src, srcLength, dst, dstCapacity, &status);
        if (U_SUCCESS(status)) result = from_utf16(dst, length, out, capacity);
    }
    if (src != srcStack) { free(src); free(dst); }
    return result;
}

int32_t drb_icu_has_boundary_before(int32_t form, uint32_t cp) {
    const UNormalizer2 *n = normalizer(form);
    return n && unorm2_hasBoundaryBefore(n, (UChar32)cp) ? 1 : 0;
}

int32_t drb_icu_is_inert(int32_t form, uint32_t cp) {
    const UNormalizer2 *n = normalizer(form);
    return n && unorm2_isInert(n, (UChar32)cp) ? 1 : 0;
}

void drb_icu_fill_traits(uint32_t start, int32_t count, uint16_t *out) {
    // Unicode blocks start and end on multiples of 16, so one block lookup per 16 code points.
    int32_t cjk = 0;
    for (int32_t i = 0; i < count; i++) {
        uint32_t cp = start + (uint32_t)i;
        if (i == 0 || (cp & 15) == 0) cjk = drb_icu_is_cjk_ideograph_block(cp);
        uint16_t t = (uint16_t)(u_charType((UChar32)cp) & 0x1F);
        if (cjk) t |= 1 << 6;
        if ((t & 0x1F) == U_UNASSIGNED) {
            // Unassigned (and noncharacters): no case, no decomposition, no class, inert;
            // only the block can matter (reserved code points inside CJK blocks).
            out[i] = (uint16_t)(t | 1 << 10 | 1 << 11);
            continue;
        }
        if (u_isUWhiteSpace((UChar32)cp)) t |= 1 << 5;
        if (drb_icu_has_canonical_decomposition(cp)) t |= 1 << 7;
        if (u_hasBinaryProperty((UChar32)cp, UCHAR_CHANGES_WHEN_LOWERCASED)) t |= 1 << 8;
        if (u_getCombiningClass((UChar32)cp) != 0) t |= 1 << 9;
        if (drb_icu_is_inert(DRB_ICU_NFC, cp)) t |= 1 << 10;
        if (drb_icu_is_inert(DRB_ICU_NFKC, cp)) t |= 1 << 11;
        out[i] = t;
    }
}
