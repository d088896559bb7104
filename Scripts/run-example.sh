#!/usr/bin/env bash
# The README's main job: the echo example across processes over tcp on 127.0.0.1. Starts two
# echo-server processes on free ports, runs echo-client against both (calls spread across them),
# prints every side, then stops the servers gracefully (SIGTERM). ECHO_COUNT sets how many calls
# the client makes (default 6).
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"

swift build --product echo-server
swift build --product echo-client
bin="$(swift build --show-bin-path)"

logs=()
servers=()
cleanup() {
    for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -f "${logs[@]}"
}
trap cleanup EXIT

endpoints=()
for _ in 1 2; do
    log="$(mktemp)"
    logs+=("$log")
    "$bin/echo-server" 'tcp://127.0.0.1:*' >"$log" 2>&1 &
    servers+=($!)
    endpoint=""
    for _ in $(seq 100); do  # up to 10 s for the server to bind
        endpoint="$(grep -m1 -o 'tcp://127\.0\.0\.1:[0-9]*' "$log" || true)"
        [ -n "$endpoint" ] && break
        kill -0 "${servers[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$endpoint" ]; then
        echo "echo-server did not start:" >&2
        cat "$log" >&2
        exit 1
    fi
    endpoints+=("$endpoint")
done

joined="$(IFS=,; echo "${endpoints[*]}")"
echo "=== echo-client -> $joined"
"$bin/echo-client" "$joined" "${ECHO_COUNT:-6}"

for pid in "${servers[@]}"; do kill -TERM "$pid"; done
for pid in "${servers[@]}"; do wait "$pid" || true; done
servers=()
for log in "${logs[@]}"; do
    echo "=== $(head -1 "$log" | cut -d' ' -f1-3)'s log"
    cat "$log"
done
