#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test, builds and runs the
# build plugin's example package (plugin-check.sh), then every test again under AddressSanitizer and
# LeakSanitizer (leak-check.sh). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"

swift build --build-tests
swift test --skip-build
"$(dirname "$0")/plugin-check.sh"
"$(dirname "$0")/leak-check.sh"
