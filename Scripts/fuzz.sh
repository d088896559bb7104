#!/usr/bin/env bash
# Runs one libFuzzer target over ZRPC's parsers (docs/SECURITY.md, "Fuzzing").
#
#   Scripts/fuzz.sh list              the targets
#   Scripts/fuzz.sh TARGET SECONDS    build the fuzzer (release, -sanitize=fuzzer,address) and run
#                                     TARGET for SECONDS; prints executions, executions per second
#                                     and crashes; exits non-zero on a crash
#
# Its own build folder (.build/fuzz), linked with lld (gold fails on the sanitizer runtime). The committed seeds (Fuzz/Corpus/TARGET) are copied into a
# scratch corpus (.build/fuzz/corpus/TARGET) that keeps what the fuzzer finds between runs; crashing
# inputs go to .build/fuzz/artifacts/TARGET. A crash becomes a regression test: fix it, then copy the
# input to Fuzz/Regressions/TARGET/ (FuzzRegressionTests runs it in the plain build).
# Extra libFuzzer flags: FUZZ_FLAGS="-max_len=16384 -runs=10000000" Scripts/fuzz.sh ...
# Memory errors are caught; leaks are not looked for per input (Swift's runtime caches look like
# leaks to libFuzzer's per-input check; Scripts/leak-check.sh finds real ones). ASan records no
# allocation stacks (malloc_context_size=0: half again as many executions per second); to see them
# for a crash, run the binary on the crash file with ASAN_OPTIONS=malloc_context_size=30:
#   ZRPC_FUZZ_TARGET=TARGET ASAN_OPTIONS=malloc_context_size=30 .build/fuzz/release/zrpc-fuzz CRASH_FILE
# One fuzzing process at a time: the machines have two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

targets() { find Fuzz/Corpus -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort; }

if [ "${1:-}" = "list" ]; then
    targets
    exit 0
fi
if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
    echo "usage: Scripts/fuzz.sh list | Scripts/fuzz.sh TARGET SECONDS" >&2
    exit 2
fi
target=$1
seconds=$2
if ! targets | grep -qx "$target"; then
    echo "unknown target $target; the targets are: $(targets | tr '\n' ' ')" >&2
    exit 2
fi

scratch=.build/fuzz
build=(swift build --scratch-path "$scratch" -c release --product zrpc-fuzz
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DZRPC_FUZZING -Xswiftc -use-ld=lld)
mkdir -p "$scratch"
if ! "${build[@]}" > "$scratch/build.log" 2>&1; then
    grep -E "error" "$scratch/build.log" | head -n 20 >&2
    echo "fuzz: the build failed; see $scratch/build.log" >&2
    exit 1
fi
binary="$("${build[@]}" --show-bin-path)/zrpc-fuzz"

corpus="$scratch/corpus/$target"
artifacts="$scratch/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
cp -n Fuzz/Corpus/"$target"/* "$corpus"/ 2>/dev/null || true
log="$scratch/$target.log"
before=$(find "$artifacts" -type f | wc -l)

set +e
# shellcheck disable=SC2086 # FUZZ_FLAGS is a list of flags
ZRPC_FUZZ_TARGET="$target" \
ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=0}:suppressions=$PWD/Scripts/asan-suppressions.txt" \
    "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 -detect_leaks=0 \
    -artifact_prefix="$artifacts/" ${FUZZ_FLAGS:-} "$corpus" > "$log" 2>&1
status=$?
set -e

executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
per_second=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
if [ -z "$executions" ]; then
    # A crash ends the run before the final stats: take the last status line's count.
    executions=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
fi
crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
echo "target:      $target"
echo "executions:  ${executions:-0}"
echo "exec/s:      ${per_second:-?}"
echo "crashes:     $crashes"
echo "corpus:      $(find "$corpus" -type f | wc -l) inputs in $corpus"
echo "log:         $log"
if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    grep -m 1 -E "ERROR: |Fatal error|fatal error|SUMMARY" "$log" || true
    ls -t "$artifacts" | head -n "$crashes" | sed "s|^|$artifacts/|"
    echo "fuzz: $target found a crash (libFuzzer exit $status); see $log and $artifacts" >&2
    exit 1
fi
echo "fuzz: $target ran clean"
