#include "CICU.h"
#include <unicode/uchar.h>
#include <stdio.h>

const char *drb_icu_unicode_version(void) {
    static char text[U_MAX_VERSION_STRING_LENGTH];
    UVersionInfo v;
    u_getUnicodeVersion(v);
    u_versionToString(v, text);
    return text;
}
