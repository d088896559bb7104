#!/usr/bin/env bash
# Runs the protobuf suites (malformed input, conformance, round trips) and the ZeroMQ suites that
# manage zmq_msg_t by hand (frames, in-place receive, the descriptor poller) under AddressSanitizer
# with LeakSanitizer: a memory error or a leak fails the run. Its own build folder: .build-asan.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"

swift build --build-tests --sanitize=address --scratch-path .build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
LSAN_OPTIONS="suppressions=$PWD/Scripts/lsan-suppressions.txt:print_suppressions=0" \
    "$(swift build --scratch-path .build-asan --show-bin-path)/ZRPCPackageTests.xctest" \
    --testing-library swift-testing \
    --filter "MalformedInputTests|ConformanceTests|RoundTripPropertyTests|FrameTests|ReceivedMessageTests|DescriptorPollerTests|WireFormatFuzzTests"
echo "leak-check: no leaks and no memory errors"
