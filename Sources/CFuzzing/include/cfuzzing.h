#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry for programs that keep their own main (the fuzzer_no_main runtime, linked
// by Scripts/fuzz only): runs the fuzzing loop with `callback` as the target.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
