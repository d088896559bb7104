#!/usr/bin/env bash
# The README's main job: the echo example across two processes over tcp on 127.0.0.1.
# Starts echo-server on a free port, runs echo-client against it, prints both sides, stops
# the server. ECHO_COUNT sets how many requests the client sends (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"

swift build --product echo-server
swift build --product echo-client
bin="$(swift build --show-bin-path)"

log="$(mktemp)"
"$bin/echo-server" 'tcp://127.0.0.1:*' >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT

endpoint=""
for _ in $(seq 100); do  # up to 10 s for the server to bind
    endpoint="$(grep -m1 -o 'tcp://127\.0\.0\.1:[0-9]*' "$log" || true)"
    [ -n "$endpoint" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$endpoint" ]; then
    echo "echo-server did not start:" >&2
    cat "$log" >&2
    exit 1
fi

echo "=== echo-client -> $endpoint"
"$bin/echo-client" "$endpoint" "${ECHO_COUNT:-5}"
echo "=== echo-server's log"
cat "$log"
