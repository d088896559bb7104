#!/usr/bin/env bash
# The README's main job: the example cluster (Examples/Cluster/README.md) across processes on
# 127.0.0.1. Starts a zrpc-forwarder (cache invalidations), the catalog, a zrpc-broker, the orders
# service, two workers (payment capture, slow and flaky on purpose through WORKER_FAILURE_RATE and
# WORKER_DELAY_MS, and notification), the scheduler (its reconciliation job every 2 s) and two edges;
# runs the load client against both edges with a live progress line (views, price changes, an order
# every 10th call), takes the catalog down for a while in the middle (the edges answer degraded) and
# brings it back, waits for the broker's queues to drain, prints the summary, then stops everything
# gracefully (SIGTERM, drain). CLUSTER_SECONDS sets the load's length (default 12), EDGE_CACHE_TTL_MS
# the edges' cache lifetime (default 1000 here, so that the outage shows degraded answers); the last
# line is the load client's `cluster: calls=… ok=… … orders=… tasks_acked=… dead_lettered=…` summary.
# Exits non-zero when a process fails to start or stop, or the load client reports no success, a
# stale read, or a task neither acked nor dead-lettered.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"

products=(zrpc-forwarder zrpc-broker cluster-catalog cluster-orders cluster-worker cluster-scheduler cluster-edge
    cluster-load)
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

start zrpc-broker "$work/broker.log" "$bin/zrpc-broker" 'tcp://127.0.0.1:*' --database "$work/broker.sqlite"
broker="$(endpoint "$work/broker.log")"

start cluster-orders "$work/orders.log" env ORDERS_ENDPOINTS='tcp://127.0.0.1:*' \
    ORDERS_DATABASE_PATH="$work/orders.sqlite" ORDERS_CATALOG_ENDPOINTS="$catalog" ORDERS_BROKER_ENDPOINTS="$broker" \
    "$bin/cluster-orders"
orders="$(endpoint "$work/orders.log")"

# The payment worker fails a fifth of its deliveries and takes 20 ms for each: the broker retries
# them with backoff (and dead-letters a task that fails five times).
start "cluster-worker payment" "$work/worker-payment.log" env WORKER_KIND=payment WORKER_BROKER_ENDPOINTS="$broker" \
    WORKER_LEDGER_PATH="$work/payment-ledger.sqlite" WORKER_FAILURE_RATE=0.2 WORKER_DELAY_MS=20 "$bin/cluster-worker"
start "cluster-worker notification" "$work/worker-notification.log" env WORKER_KIND=notification \
    WORKER_BROKER_ENDPOINTS="$broker" WORKER_LEDGER_PATH="$work/notification-ledger.sqlite" "$bin/cluster-worker"

start cluster-scheduler "$work/scheduler.log" env SCHEDULER_ENDPOINTS='tcp://127.0.0.1:*' \
    SCHEDULER_ORDERS_ENDPOINTS="$orders" SCHEDULER_RECONCILE_EVERY_MS=2000 "$bin/cluster-scheduler"

edges=()
for index in 1 2; do
    start "cluster-edge $index" "$work/edge-$index.log" env EDGE_ENDPOINTS='tcp://127.0.0.1:*' \
        EDGE_CATALOG_ENDPOINTS="$catalog" EDGE_ORDERS_ENDPOINTS="$orders" EDGE_FORWARDER_PUBLISHERS="$forwarder_publishers" \
        EDGE_FORWARDER_SUBSCRIBERS="$forwarder_subscribers" EDGE_CACHE_TTL_MS="${EDGE_CACHE_TTL_MS:-1000}" \
        "$bin/cluster-edge"
    edges+=("$(endpoint "$work/edge-$index.log")")
done

joined="$(IFS=,; echo "${edges[*]}")"
echo "=== cluster-load -> $joined for $seconds s (the catalog goes down in the middle)"
"$bin/cluster-load" "$joined" --seconds "$seconds" --order-every 10 --broker "$broker" | tee "$work/load.out" &
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

echo "=== stopping every process (SIGTERM), the last started first"
for (( index = ${#pids[@]} - 1; index >= 0; index-- )); do
    pid="${pids[index]}"
    kill -TERM "$pid" 2>/dev/null || true
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
