#!/usr/bin/env bash
# Runs every test again under AddressSanitizer with LeakSanitizer: the protobuf layer (malformed
# input, conformance, round trips), the ZeroMQ wrappers that manage zmq_msg_t by hand, and the
# client and server (batches, hostile input, deadlines, restarts, other processes). A memory
# error or a leak fails the run. Its own build folder: .build-asan.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"

swift build --build-tests --sanitize=address --scratch-path .build-asan
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:suppressions=$PWD/Scripts/asan-suppressions.txt" \
LSAN_OPTIONS="suppressions=$PWD/Scripts/lsan-suppressions.txt:print_suppressions=0" \
ZRPC_SANITIZED=1 \
    "$(swift build --scratch-path .build-asan --show-bin-path)/ZRPCPackageTests.xctest" \
    --testing-library swift-testing
echo "leak-check: no leaks and no memory errors"
