#!/usr/bin/env bash
# Overload: placement at 1x, 2x and 4x the concurrency that saturates it, with admission control
# on (the default), each step on a fresh database with the demo city, GET /health measured first in
# the same run as the reference:
#
#   scripts/bench-overload.sh                                                  # SQLite
#   TIFFIN_PG_DURABLE=1 scripts/with-postgres.sh scripts/bench-overload.sh     # PostgreSQL, fsync on
#
# Per step: goodput (confirmed orders/s, and as a share of the 1x step's), shed (503/s), p99 of all
# answers as wrk saw them, and p50/p99 of confirmed placements as the server timed them. Closed
# loop (wrk): "2x" is twice the connections that saturate placement; a refused client retries at
# once, so the server meets far more than 2x the requests. BINARY=path runs another build; the
# rate limits are off (one customer places everything), admission stays on (TIFFIN_ADMISSION=off
# for a comparison). RETRY_AFTER=1: a refused connection waits the Retry-After it was given (unset:
# it retries at once, the worst case). Needs wrk, curl, jq, python3; loopback only; stops its servers on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DURATION=${DURATION:-15}
BASE=${BASE:-16}
binary=${BINARY:-}
if [[ -z "$binary" ]]; then
    swift build -c release --product tiffin --scratch-path .build-release >/dev/null
    binary=.build-release/release/tiffin
fi
work=$(mktemp -d)
pid=
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

start() {  # database URL; sets pid and T (the base URL)
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    TIFFIN_RATE_LIMITS=off TIFFIN_LOG_LEVEL=error TIFFIN_METRICS_TOKEN=bench-scrape-token-0123456789 TIFFIN_DATABASE_URL=$1 \
        "$binary" serve --port "$port" --demo >"$work/server.log" 2>&1 &
    pid=$!
    T="http://127.0.0.1:$port"
    for _ in $(seq 1 240); do curl -sf "$T/ready" >/dev/null && break; sleep 0.5; done
}

database() {
    if [[ -n "${TIFFIN_TEST_DATABASE_URL:-}" ]]; then
        local db="overload_$1_$$"
        psql "$TIFFIN_TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
        echo "${TIFFIN_TEST_DATABASE_URL%/*}/$db"
    else
        echo "sqlite://$work/$1.sqlite"
    fi
}

engine=$([[ -n "${TIFFIN_TEST_DATABASE_URL:-}" ]] && echo "PostgreSQL (fsync $([[ -n "${TIFFIN_PG_DURABLE:-}" ]] && echo on || echo off))" || echo SQLite)
echo "overload: $engine, $(nproc) cores, ${DURATION}s per step, admission ${TIFFIN_ADMISSION:-on}, refused clients $([[ "${RETRY_AFTER:-}" == 1 ]] && echo "wait Retry-After" || echo "retry at once"), $(date -u +%Y-%m-%dT%H:%MZ)"
peak=
for factor in 1 2 4; do
    connections=$((BASE * factor))
    start "$(database "x$factor")"
    health=$(wrk -t2 -c64 -d5s "$T/health" | awk '/Requests\/sec/{print $2}')
    token=$(curl -sf -X POST "$T/v1/auth/login" -d '{"email":"customer@tiffin.demo","password":"tiffin-demo"}' | jq -r .token)
    restaurant=C7504AB2-830C-4019-8A6E-B0046771F040
    item=$(curl -s "$T/v1/restaurants/$restaurant/menu" | jq -r '[.sections[].items[] | select(.isSoldOut | not) | select(.optionGroups | length == 0)][0].id')
    body="{\"restaurantID\":\"$restaurant\",\"items\":[{\"itemID\":\"$item\",\"quantity\":4}],\"deliveryLocation\":{\"lat\":52.5296,\"lon\":13.4010},\"deliveryAddress\":\"Weinbergsweg 1\",\"payment\":{\"card\":\"4242424242424242\"}}"
    out=$(TOKEN=$token BODY=$body wrk -t2 -c"$connections" -d"${DURATION}s" -s scripts/bench/place-order.lua "$T")
    sleep 1
    server=$(curl -s "$T/metrics" -H "authorization: Bearer bench-scrape-token-0123456789" |
        scripts/bench/histogram.py tiffin_order_placement_seconds 'outcome="confirmed"')
    python3 - "$factor" "$connections" "$DURATION" "$health" "${peak:-}" "$out" "$server" >"$work/line" <<'PY'
import re, sys
factor, connections, duration, health, peak, out, server = sys.argv[1:]
m = re.search(r"requests (\d+), non-2xx (\d+), p50 ([\d.]+) ms, p99 ([\d.]+) ms", out)
requests, non2xx, p50, p99 = int(m.group(1)), int(m.group(2)), float(m.group(3)), float(m.group(4))
goodput = (requests - non2xx) / float(duration)
share = f", {goodput / float(peak) * 100:.0f} % of 1x" if peak else ""
print(f"{goodput:.1f}")
print(f"{factor}x (c={connections}): goodput {goodput:,.0f} orders/s{share}; shed {non2xx / float(duration):,.0f}/s; "
      f"wrk p99 (all answers) {p99:.1f} ms; confirmed as the server timed them: {server}; "
      f"GET /health {float(health):,.0f} req/s (goodput/health {goodput / float(health):.4f})")
PY
    [[ -z "$peak" ]] && peak=$(head -1 "$work/line")
    tail -1 "$work/line"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
