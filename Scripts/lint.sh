#!/usr/bin/env bash
# Checks the formatting of every hand-written Swift file with the repository's .swift-format
# (swift-format ships with the toolchain). Generated code (Generated/ folders, *.zrpc.swift) is
# left as zrpc-gen writes it, and an example package's own .build folder is skipped. Fix what it
# finds with: Scripts/lint.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find Sources Tests Examples Benchmarks Plugins Fuzz -name '*.swift' -not -path '*/Generated/*' \
    -not -path '*/.build/*' -not -name '*.zrpc.swift' | sort)
if [ "${1:-}" = "--fix" ]; then
    swift format format --in-place "${files[@]}"
fi
swift format lint --strict "${files[@]}"
echo "lint: ${#files[@]} files formatted as .swift-format says"
