// Only the declaration in include/cfuzzing.h matters; libFuzzer defines the function.
#include "cfuzzing.h"
