// Declarations only (include/fuzzer_driver.h): libFuzzer defines the driver.
#include "fuzzer_driver.h"
