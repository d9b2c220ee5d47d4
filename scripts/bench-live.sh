#!/usr/bin/env bash
# Benchmarks of the live connection (/v1/realtime) against a release build on loopback:
#   1. GET /health with wrk (c=64)                          — this machine's HTTP floor, the reference
#   2. courier fix ingest: COURIERS courier sockets (default 64) stream fixes as fast as the
#      server takes them for DURATION seconds (tiffin-load ingest); the server's own count of
#      fixes applied (tiffin_courier_fixes_total in /metrics) gives the rate
#   3. memory per idle connection: the server's resident memory before and with IDLE open,
#      silent sockets (default 10,000; tiffin-load idle)
#   4. courier → customer push latency: a city at its peak (tiffin bench-live-city: WATCHERS
#      orders picked up, ORDERS_PER_COURIER per courier), every customer subscribed to their order
#      (tiffin-load watch, in two processes), every courier sending a fix each INTERVAL seconds
#      for PUSH_SECONDS (tiffin-load stream); each position timed from the instant the courier
#      stamped it to its arrival. Reference: GET /health round trips in the same window.
#      One process may hold at most `ulimit -Hn` files here (20,000), so on one instance
#      WATCHERS + couriers must stay under it: the default is 14,600 customers and 4,867 couriers.
#      INSTANCES=2 runs two Tiffin instances on one PostgreSQL instead (run under
#      scripts/with-postgres.sh), customers and couriers split between them, so half the positions
#      cross instances through the cluster bus; then WATCHERS=20000 fits:
#        scripts/with-postgres.sh env INSTANCES=2 WATCHERS=20000 SECTIONS=push bash scripts/bench-live.sh
# Needs wrk, curl, jq, python3. SQLite, fresh files; loopback only; stops its servers on exit.
# SECTIONS="ingest idle push" picks sections (default all); KEEP_LATENCIES=DIR keeps the push timings;
# TIFFIN_BINARY=path runs another tiffin build (tiffin-load is always this checkout's).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for tool in wrk curl jq python3 swift; do command -v "$tool" >/dev/null || { echo "bench-live: $tool is required" >&2; exit 2; }; done
DURATION=${DURATION:-10}
COURIERS=${COURIERS:-64}
IDLE=${IDLE:-10000}
WATCHERS=${WATCHERS:-14600}
ORDERS_PER_COURIER=${ORDERS_PER_COURIER:-3}
INTERVAL=${INTERVAL:-4}
PUSH_SECONDS=${PUSH_SECONDS:-30}
SECTIONS=${SECTIONS:-ingest idle push}
INSTANCES=${INSTANCES:-1}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

swift build -c release --scratch-path .build-release --product tiffin >&2
swift build -c release --scratch-path .build-release --product tiffin-load >&2
bin=.build-release/release
# TIFFIN_BINARY=path measures another tiffin build (an earlier commit's, for a before/after).
tiffin=${TIFFIN_BINARY:-$bin/tiffin}
work=$(mktemp -d)
server=""
servers=()
loaders=()
stop_server() {
    for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${servers[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    servers=()
    server=""
}
stop() {
    for pid in "${loaders[@]}"; do kill "$pid" 2>/dev/null || true; done
    stop_server
    rm -rf "$work"
}
trap stop EXIT
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
# 20,000 sockets from one (loopback) address: no per-address cap here, and the connection cap
# at the file limit (the default keeps 1,024 descriptors for a production database pool and mail).
export TIFFIN_RATE_LIMITS=off TIFFIN_LOG_LEVEL=error TIFFIN_BCRYPT_COST=4 TIFFIN_METRICS_TOKEN=bench-scrape-token-0123456789 TIFFIN_MAX_CONNECTIONS_PER_ADDRESS=0 TIFFIN_MAX_CONNECTIONS=19900
# start_server NAME [DATABASE_URL]: one more server, on $work/NAME.sqlite (which may hold a city
# already) or on DATABASE_URL; sets $server, $port and $T to it.
start_server() {
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    T=http://127.0.0.1:$port
    TIFFIN_DATABASE_URL="${2:-sqlite://$work/$1.sqlite}" "$tiffin" serve --port "$port" --no-demo >"$work/$1.log" 2>&1 &
    server=$!
    servers+=("$server")
    for _ in $(seq 1 240); do curl -sf "$T/ready" >/dev/null && break; sleep 0.5; done
    curl -sf "$T/ready" >/dev/null || { echo "bench-live: the server never became ready" >&2; cat "$work/$1.log" >&2; exit 1; }
}
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }  # KiB
fixes() { curl -s "$T/metrics" -H "authorization: Bearer bench-scrape-token-0123456789" | awk '/^tiffin_courier_fixes_total\{outcome="applied"\}/ {print $2}'; }
# account EMAIL ROLE → a bearer token (fails the script when sign-up or login fails)
account() {
    curl -sf -X POST "$T/v1/auth/signup" -d "{\"email\":\"$1\",\"password\":\"bench password\",\"name\":\"Bench\",\"role\":\"$2\"}" >/dev/null
    local token
    token=$(curl -sf -X POST "$T/v1/auth/login" -d "{\"email\":\"$1\",\"password\":\"bench password\"}" | jq -r .token)
    [[ -n "$token" && "$token" != null ]] || { echo "bench-live: no token for $1" >&2; exit 1; }
    echo "$token"
}

echo "live benchmarks: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), release build, SQLite"
start_server live
for i in $(seq 1 "$COURIERS"); do account "k$i@bench.test" courier >>"$work/couriers.txt"; done
customer=$(account c@bench.test customer)

echo "== GET /health (wrk -t2 -c64, ${DURATION}s): the reference"
health=$(wrk -t2 -c64 -d"${DURATION}s" "$T/health" | awk '/Requests\/sec/ {print $2}')
echo "   $health req/s"

if want ingest; then
    echo "== fix ingest: $COURIERS courier sockets, ${DURATION}s"
    before=$(fixes); before=${before:-0}
    start=$(date +%s.%N)
    "$bin/tiffin-load" ingest --url "ws://127.0.0.1:$port" --tokens "$work/couriers.txt" --seconds "$DURATION" | sed 's/^/   client: /'
    after=$(fixes)
    end=$(date +%s.%N)
    python3 - "$before" "$after" "$start" "$end" "$health" <<'PY'
import sys
before, after, start, end, health = map(float, sys.argv[1:])
rate = (after - before) / (end - start)
print(f"   server: {after - before:,.0f} fixes applied, {rate:,.0f} fixes/s ({rate / health:.2f}x GET /health's requests/s)")
PY
fi

if want idle; then
    echo "== memory per idle connection: $IDLE silent sockets"
    idle_before=$(rss)
    "$bin/tiffin-load" idle --url "ws://127.0.0.1:$port" --token "$customer" --connections "$IDLE" --hold 8 --ready-file "$work/idle-ready" \
        >"$work/idle.txt" &
    loaders=($!)
    for _ in $(seq 1 600); do [[ -f "$work/idle-ready" ]] && break; sleep 0.2; done
    [[ -f "$work/idle-ready" ]] || { echo "bench-live: the idle connections never all opened" >&2; exit 1; }
    sleep 2
    idle_with=$(rss)
    wait "${loaders[0]}" || { echo "bench-live: tiffin-load idle failed" >&2; exit 1; }
    loaders=()
    sed 's/^/   client: /' "$work/idle.txt"
    opened=$(awk '/^idle open/ {print $3}' "$work/idle.txt")
    [[ "${opened:-0}" -gt 0 ]] || { echo "bench-live: no idle connection opened" >&2; exit 1; }
    python3 - "$idle_before" "$idle_with" "$opened" <<'PY'
import sys
before, with_, n = map(float, sys.argv[1:])
print(f"   server RSS {before / 1024:.1f} MiB → {with_ / 1024:.1f} MiB with {n:,.0f} open: {(with_ - before) / n:.1f} KiB per idle connection")
PY
fi
stop_server

if want push; then
    if [[ "$INSTANCES" == 2 ]]; then
        [[ -n "${TIFFIN_TEST_DATABASE_URL:-}" ]] || { echo "bench-live: INSTANCES=2 runs under scripts/with-postgres.sh" >&2; exit 2; }
        peak_url=$TIFFIN_TEST_DATABASE_URL
        pending_events() { "${TIFFIN_PG_BIN:-/usr/lib/postgresql/15/bin}/psql" "$peak_url" -tAc "SELECT (SELECT count(*) FROM outbox_events WHERE processed_at IS NULL AND failed_at IS NULL) + (SELECT count(*) FROM outbox_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL)"; }
        storage="two instances on PostgreSQL"
    else
        [[ "$INSTANCES" == 1 ]] || { echo "bench-live: INSTANCES is 1 or 2" >&2; exit 2; }
        peak_url=sqlite://$work/peak.sqlite
        pending_events() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT (SELECT count(*) FROM outbox_events WHERE processed_at IS NULL AND failed_at IS NULL) + (SELECT count(*) FROM outbox_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL)").fetchone()[0])' "$work/peak.sqlite"; }
        storage="one instance on SQLite"
    fi
    echo "== push latency: $WATCHERS customers watching, $ORDERS_PER_COURIER orders per courier, a fix every ${INTERVAL}s, ${PUSH_SECONDS}s; $storage"
    TIFFIN_DATABASE_URL="$peak_url" "$tiffin" bench-live-city --customers "$WATCHERS" \
        --orders-per-courier "$ORDERS_PER_COURIER" --out "$work/peak" | sed 's/^/   /'
    urls=()
    for i in $(seq 1 "$INSTANCES"); do
        start_server "peak-$i" "$peak_url"
        urls+=("ws://127.0.0.1:$port")
    done
    # The city's history (every order's events) is relayed first, to every consumer (the
    # notifications of 14,600 orders among them); time only once it has been.
    for _ in $(seq 1 1200); do
        pending=$(pending_events)
        [[ "$pending" == 0 ]] && break
        sleep 0.5
    done
    [[ "$pending" == 0 ]] || { echo "bench-live: the city's events were never all relayed" >&2; exit 1; }
    # The city's history was made in a minute, not an evening: on PostgreSQL, vacuum what it left
    # (160,000 relayed events) now, or autovacuum does it in the middle of the timed window.
    [[ "$INSTANCES" == 2 ]] && "${TIFFIN_PG_BIN:-/usr/lib/postgresql/15/bin}/psql" "$peak_url" -qc "VACUUM ANALYZE" >/dev/null
    # Customers in two processes (one may hold 20,000 files), each on its instance; couriers split
    # between the instances line by line, so a courier's three customers are on both.
    for shard in 0 1; do
        "$bin/tiffin-load" watch --url "${urls[$((shard % INSTANCES))]}" --watchers "$work/peak/watchers.txt" --shard "$shard" --shards 2 \
            --seconds $((PUSH_SECONDS + 300)) --ready-file "$work/watch-ready-$shard" --go-file "$work/watch-go" --stop-file "$work/watch-stop" \
            --latencies "$work/latencies-$shard.txt" >"$work/watch-$shard.txt" &
        loaders+=($!)
    done
    for _ in $(seq 1 1500); do [[ -f "$work/watch-ready-0" && -f "$work/watch-ready-1" ]] && break; sleep 0.2; done
    [[ -f "$work/watch-ready-0" && -f "$work/watch-ready-1" ]] || { echo "bench-live: the customers never all subscribed" >&2; exit 1; }
    # The reference: GET /health round trips, one every 20 ms, in the same window as the positions timed.
    python3 - "$port" "$work/watch-go" "$work/watch-stop" >"$work/health-rtt.txt" <<'PY' &
import http.client, os, sys, time
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
while not os.path.exists(sys.argv[3]):
    t = time.perf_counter()
    conn.request("GET", "/health")
    conn.getresponse().read()
    print(int((time.perf_counter() - t) * 1e6))
    time.sleep(0.02)
PY
    probe=$!
    # Timing starts once every courier has sent two fixes: the minutes before, couriers who had
    # sent none since the city was built were re-sent as stale, and every courier socket had just opened.
    warmup=$(python3 -c "print(2 * float('$INTERVAL'))")
    streamers=()
    for i in $(seq 0 $((INSTANCES - 1))); do
        awk -v n="$INSTANCES" -v i="$i" '(NR - 1) % n == i' "$work/peak/couriers.txt" >"$work/couriers-$i.txt"
        "$bin/tiffin-load" stream --url "${urls[$i]}" --tokens "$work/couriers-$i.txt" --interval "$INTERVAL" \
            --seconds "$(python3 -c "print($warmup + $PUSH_SECONDS)")" --started-file "$work/stream-started-$i" \
            --done-file "$work/stream-done-$i" --close-file "$work/watch-stop" >"$work/stream-$i.txt" &
        streamers+=($!)
        loaders+=($!)
    done
    for _ in $(seq 1 1500); do [[ $(ls "$work"/stream-started-* 2>/dev/null | wc -l) -eq "$INSTANCES" ]] && break; sleep 0.2; done
    sleep "$warmup"
    scrape() { curl -s "$T/metrics" -H "authorization: Bearer bench-scrape-token-0123456789" >"$1"; }
    scrape "$work/metrics-go.txt"
    touch "$work/watch-go"
    for _ in $(seq 1 $(((PUSH_SECONDS + 60) * 5))); do [[ $(ls "$work"/stream-done-* 2>/dev/null | wc -l) -eq "$INSTANCES" ]] && break; sleep 0.2; done
    sleep 1  # the last fixes' positions arrive
    touch "$work/watch-stop"  # the customers stop timing; then the couriers log off
    scrape "$work/metrics-stop.txt"
    for pid in "${streamers[@]}"; do wait "$pid" || { echo "bench-live: tiffin-load stream failed" >&2; exit 1; }; done
    cat "$work"/stream-*.txt | sed 's/^/   client: /'
    for pid in "${loaders[@]}"; do wait "$pid" || { echo "bench-live: tiffin-load watch failed" >&2; exit 1; }; done
    loaders=()
    wait "$probe"
    cat "$work"/watch-*.txt | sed 's/^/   client: /'
    # KEEP_LATENCIES=DIR keeps each position's arrival and latency (for a plot over time).
    [[ -n "${KEEP_LATENCIES:-}" ]] && mkdir -p "$KEEP_LATENCIES" && cp "$work"/latencies-*.txt "$work/health-rtt.txt" "$KEEP_LATENCIES/"
    python3 - "$work/health-rtt.txt" "$work"/latencies-*.txt <<'PY'
import sys
def pct(values, p): return values[min(len(values) - 1, int(len(values) * p))] / 1000
health = sorted(int(l) for l in open(sys.argv[1]) if l.strip())
arrivals = [tuple(map(int, l.split())) for f in sys.argv[2:] for l in open(f) if l.strip()]
push = sorted(micros for _, micros in arrivals)
if not push: sys.exit("bench-live: no position was timed")
print(f"   push:    {len(push):,} positions, p50 {pct(push, .5):.1f} ms, p99 {pct(push, .99):.1f} ms, p99.9 {pct(push, .999):.1f} ms, max {push[-1] / 1000:.1f} ms")
print(f"   /health: {len(health):,} round trips in the same window, p50 {pct(health, .5):.1f} ms, p99 {pct(health, .99):.1f} ms")
print(f"   push p99 / GET /health p99 = {pct(push, .99) / pct(health, .99):.1f}x")
PY
    # What else the server did in the window: notifications written (courier nearby, arriving), per kind.
    python3 - "$work/metrics-go.txt" "$work/metrics-stop.txt" <<'PY'
import re, sys
def counts(path):
    out = {}
    for line in open(path):
        m = re.match(r'tiffin_notifications_total\{(.*)\} ([0-9.e+]+)$', line.strip())
        if m and 'channel="in_app"' in m.group(1):
            kind = re.search(r'kind="([^"]+)"', m.group(1)).group(1)
            out[kind] = out.get(kind, 0) + float(m.group(2))
    return out
before, after = counts(sys.argv[1]), counts(sys.argv[2])
delta = {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0) > 0}
print("   notifications in the window (this instance): " + (", ".join(f"{k} {v:,.0f}" for k, v in sorted(delta.items())) or "none"))
PY
    stop_server
fi
