#!/usr/bin/env bash
# The README's main job: the example cluster (Examples/Cluster/README.md) across processes on
# 127.0.0.1. Starts a zrpc-forwarder (cache invalidations), the catalog and two edges, runs the load
# client against both edges with a live progress line, takes the catalog down for a while in the
# middle (the edges answer degraded) and brings it back, prints the summary, then stops everything
# gracefully (SIGTERM, drain). CLUSTER_SECONDS sets the load's length (default 12), EDGE_CACHE_TTL_MS
# the edges' cache lifetime (default 1000 here, so that the outage shows degraded answers); the last
# line is the load client's `cluster: calls=… ok=… …` summary. Exits non-zero when a process fails to start
# or stop, or the load client reports no success or a stale read.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"

products=(zrpc-forwarder cluster-catalog cluster-edge cluster-load)
for product in "${products[@]}"; do swift build --product "$product"; done
bin="$(swift build --show-bin-path)"
seconds="${CLUSTER_SECONDS:-12}"
work="$(mktemp -d)"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# start NAME LOG COMMAND…: runs COMMAND in the background, its standard output in LOG and its logs
# (standard error) in LOG.err, waits (20 s at most) for its first line to name an endpoint, and
# prints that line.
start() {
    local name="$1" log="$2"
    shift 2
    "$@" >"$log" 2>"$log.err" &
    pids+=($!)
    for _ in $(seq 200); do
        if grep -q 'tcp://127\.0\.0\.1:[0-9]' "$log"; then
            echo "started: $(head -1 "$log")"
            return
        fi
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "$name did not start:" >&2
    cat "$log" "$log.err" >&2
    exit 1
}
endpoint() { grep -m1 -o 'listening on tcp://127\.0\.0\.1:[0-9]*' "$1" | cut -d' ' -f3; }

start zrpc-forwarder "$work/forwarder.log" \
    "$bin/zrpc-forwarder" --publishers 'tcp://127.0.0.1:*' --subscribers 'tcp://127.0.0.1:*'
forwarder_publishers="$(grep -o 'publishers tcp://127\.0\.0\.1:[0-9]*' "$work/forwarder.log" | cut -d' ' -f2)"
forwarder_subscribers="$(grep -o 'subscribers tcp://127\.0\.0\.1:[0-9]*' "$work/forwarder.log" | cut -d' ' -f2)"

start cluster-catalog "$work/catalog.log" env CATALOG_ENDPOINTS='tcp://127.0.0.1:*' \
    CATALOG_DATABASE_PATH="$work/catalog.sqlite" "$bin/cluster-catalog"
catalog_pid="${pids[-1]}"
catalog="$(endpoint "$work/catalog.log")"

edges=()
for index in 1 2; do
    start "cluster-edge $index" "$work/edge-$index.log" env EDGE_ENDPOINTS='tcp://127.0.0.1:*' \
        EDGE_CATALOG_ENDPOINTS="$catalog" EDGE_FORWARDER_PUBLISHERS="$forwarder_publishers" \
        EDGE_FORWARDER_SUBSCRIBERS="$forwarder_subscribers" EDGE_CACHE_TTL_MS="${EDGE_CACHE_TTL_MS:-1000}" \
        "$bin/cluster-edge"
    edges+=("$(endpoint "$work/edge-$index.log")")
done

joined="$(IFS=,; echo "${edges[*]}")"
echo "=== cluster-load -> $joined for $seconds s (the catalog goes down in the middle)"
"$bin/cluster-load" "$joined" --seconds "$seconds" | tee "$work/load.out" &
load=$!

# The catalog goes down (SIGTERM: it drains and exits) for about a quarter of the run, then comes back
# on the same endpoint with the same database.
sleep "$(( seconds * 2 / 5 ))"
kill -TERM "$catalog_pid"
wait "$catalog_pid" || true
echo "=== the catalog is down"
sleep "$(( seconds / 4 ))"
start cluster-catalog "$work/catalog-2.log" env CATALOG_ENDPOINTS="$catalog" \
    CATALOG_DATABASE_PATH="$work/catalog.sqlite" "$bin/cluster-catalog"
echo "=== the catalog is back"

status=0
wait "$load" || status=$?

echo "=== stopping every process (SIGTERM)"
for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "${pids[@]}"; do
    if ! wait "$pid"; then
        [ "$pid" = "$catalog_pid" ] && continue  # stopped above already
        echo "a process (pid $pid) did not stop cleanly" >&2
        status=1
    fi
done
pids=()
for log in "$work"/*.log; do tail -1 "$log"; done
grep '^cluster: ' "$work/load.out" || status=1
exit "$status"
