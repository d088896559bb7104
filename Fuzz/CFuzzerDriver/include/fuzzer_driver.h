// libFuzzer's driver, for zrpc-fuzz's main when it is built with -sanitize=fuzzer (Scripts/fuzz.sh).
// SwiftPM links an executable with its own `main` (the Swift entry point), so libFuzzer's `main`
// is never used: the Swift one calls this instead. In the plain build nothing calls it.
#ifndef ZRPC_FUZZER_DRIVER_H
#define ZRPC_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer with the process's arguments, calling `callback` with each input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
