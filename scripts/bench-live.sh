#!/usr/bin/env bash
# Benchmarks of the live connection (/v1/realtime) against a release build on loopback:
#   1. GET /health with wrk (c=64)                          — this machine's HTTP floor, the reference
#   2. courier fix ingest: COURIERS courier sockets (default 64) stream fixes as fast as the
#      server takes them for DURATION seconds (tiffin-load ingest); the server's own count of
#      fixes applied (tiffin_courier_fixes_total in /metrics) gives the rate
#   3. memory per idle connection: the server's resident memory before and with IDLE open,
#      silent sockets (default 10,000; tiffin-load idle)
# Needs wrk, curl, jq, python3. SQLite, fresh files; loopback only; stops its servers on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for tool in wrk curl jq python3 swift; do command -v "$tool" >/dev/null || { echo "bench-live: $tool is required" >&2; exit 2; }; done
DURATION=${DURATION:-10}
COURIERS=${COURIERS:-64}
IDLE=${IDLE:-10000}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

swift build -c release --scratch-path .build-release --product tiffin >&2
swift build -c release --scratch-path .build-release --product tiffin-load >&2
bin=.build-release/release
work=$(mktemp -d)
server=""
loader=""
stop() {
    [[ -n "$loader" ]] && kill "$loader" 2>/dev/null || true
    [[ -n "$server" ]] && { kill "$server" 2>/dev/null; for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done; kill -9 "$server" 2>/dev/null; } || true
    rm -rf "$work"
}
trap stop EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
T=http://127.0.0.1:$port
TIFFIN_LOG_LEVEL=error TIFFIN_BCRYPT_COST=4 TIFFIN_METRICS_TOKEN=bench-scrape-token-0123456789 TIFFIN_DATABASE_URL="sqlite://$work/live.sqlite" \
    "$bin/tiffin" serve --port "$port" --no-demo >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 240); do curl -sf "$T/ready" >/dev/null && break; sleep 0.5; done
curl -sf "$T/ready" >/dev/null || { echo "bench-live: the server never became ready" >&2; cat "$work/server.log" >&2; exit 1; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }  # KiB
fixes() { curl -s "$T/metrics" -H "authorization: Bearer bench-scrape-token-0123456789" | awk '/^tiffin_courier_fixes_total\{outcome="applied"\}/ {print $2}'; }

echo "live benchmarks: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), release build, SQLite"
# account EMAIL ROLE → a bearer token (fails the script when sign-up or login fails)
account() {
    curl -sf -X POST "$T/v1/auth/signup" -d "{\"email\":\"$1\",\"password\":\"bench password\",\"name\":\"Bench\",\"role\":\"$2\"}" >/dev/null
    local token
    token=$(curl -sf -X POST "$T/v1/auth/login" -d "{\"email\":\"$1\",\"password\":\"bench password\"}" | jq -r .token)
    [[ -n "$token" && "$token" != null ]] || { echo "bench-live: no token for $1" >&2; exit 1; }
    echo "$token"
}
for i in $(seq 1 "$COURIERS"); do account "k$i@bench.test" courier >>"$work/couriers.txt"; done
customer=$(account c@bench.test customer)

echo "== GET /health (wrk -t2 -c64, ${DURATION}s): the reference"
health=$(wrk -t2 -c64 -d"${DURATION}s" "$T/health" | awk '/Requests\/sec/ {print $2}')
echo "   $health req/s"

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

echo "== memory per idle connection: $IDLE silent sockets"
idle_before=$(rss)
"$bin/tiffin-load" idle --url "ws://127.0.0.1:$port" --token "$customer" --connections "$IDLE" --hold 8 --ready-file "$work/idle-ready" \
    >"$work/idle.txt" &
loader=$!
for _ in $(seq 1 600); do [[ -f "$work/idle-ready" ]] && break; sleep 0.2; done
[[ -f "$work/idle-ready" ]] || { echo "bench-live: the idle connections never all opened" >&2; exit 1; }
sleep 2
idle_with=$(rss)
wait "$loader" || { echo "bench-live: tiffin-load idle failed" >&2; exit 1; }
loader=""
sed 's/^/   client: /' "$work/idle.txt"
opened=$(awk '/^idle open/ {print $3}' "$work/idle.txt")
[[ "${opened:-0}" -gt 0 ]] || { echo "bench-live: no idle connection opened" >&2; exit 1; }
python3 - "$idle_before" "$idle_with" "$opened" <<'PY'
import sys
before, with_, n = map(float, sys.argv[1:])
print(f"   server RSS {before / 1024:.1f} MiB → {with_ / 1024:.1f} MiB with {n:,.0f} open: {(with_ - before) / n:.1f} KiB per idle connection")
PY
