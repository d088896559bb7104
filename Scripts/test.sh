#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test, then every test
# again under AddressSanitizer and LeakSanitizer (leak-check.sh). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"

swift build --build-tests
swift test --skip-build
"$(dirname "$0")/leak-check.sh"
