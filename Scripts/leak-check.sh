#!/usr/bin/env bash
# Runs every test again under AddressSanitizer with LeakSanitizer: the protobuf layer (malformed
# input, conformance, round trips), the ZeroMQ wrappers that manage zmq_msg_t by hand, and the
# client and server (batches, hostile input, deadlines, restarts, other processes). A memory
# error or a leak fails the run. Its own build folder: .build-asan. At most 6 tests run at once:
# with every test at once, ASan's cost on two cores held some calls back for seconds, past the
# deadlines that timing tests allow (6 at once: 82 s against 70 s, and no stall).
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"

swift build --build-tests --sanitize=address --scratch-path .build-asan
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:suppressions=$PWD/Scripts/asan-suppressions.txt" \
LSAN_OPTIONS="suppressions=$PWD/Scripts/lsan-suppressions.txt:print_suppressions=0" \
ZRPC_SANITIZED=1 \
    "$(swift build --scratch-path .build-asan --show-bin-path)/ZRPCPackageTests.xctest" \
    --testing-library swift-testing --experimental-maximum-parallelization-width 6
echo "leak-check: no leaks and no memory errors"
