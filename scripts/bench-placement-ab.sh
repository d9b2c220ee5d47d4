#!/usr/bin/env bash
# Placement on PostgreSQL for two tiffin binaries, run alternately, so that a before/after
# comparison is not swamped by the drift of a disk with fsync on (±10 % between 10 s runs here):
#
#   swift build -c release --product tiffin --scratch-path .build-release && cp .build-release/release/tiffin /tmp/tiffin-before
#   (check out the change, build again)                                   && cp .build-release/release/tiffin /tmp/tiffin-after
#   TIFFIN_PG_DURABLE=1 scripts/with-postgres.sh scripts/bench-placement-ab.sh /tmp/tiffin-before /tmp/tiffin-after 5
#
# Each round starts each binary on a fresh database with the demo city, measures GET /health
# (wrk c=64, 5 s) as the reference, then POST /v1/orders (scripts/bench/place-order.lua, c=16,
# 10 s) beside scripts/bench/reaction-probe.py, as scripts/bench.sh does, and prints one line.
# Needs wrk, curl, jq, python3 and psql; loopback only; stops its servers on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ $# -ge 2 ]] || { echo "usage: $0 BINARY_A BINARY_B [ROUNDS]" >&2; exit 2; }
a=$1 b=$2 rounds=${3:-3}
url=${TIFFIN_TEST_DATABASE_URL:?run through scripts/with-postgres.sh}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

run() {
    local binary=$1 label=$2 round=$3 db port pid T token item body health place
    db="ab_${label,,}_${round}_$$"  # lower case: PostgreSQL folds unquoted names
    psql "$url" -qc "CREATE DATABASE $db" >/dev/null
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    TIFFIN_RATE_LIMITS=off TIFFIN_LOG_LEVEL=warning TIFFIN_DATABASE_URL="${url%/*}/$db" "$binary" serve --port "$port" --demo >"$work/$db.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    T="http://127.0.0.1:$port"
    for _ in $(seq 1 240); do curl -sf "$T/ready" >/dev/null && break; sleep 0.5; done
    curl -sf "$T/ready" >/dev/null || { echo "bench: $binary never became ready" >&2; cat "$work/$db.log" >&2; exit 1; }
    token=$(curl -sf -X POST "$T/v1/auth/login" -d '{"email":"customer@tiffin.demo","password":"tiffin-demo"}' | jq -r .token)
    [[ -n "$token" && "$token" != null ]] || { echo "bench: the demo customer could not sign in" >&2; exit 1; }
    local restaurant=C7504AB2-830C-4019-8A6E-B0046771F040
    item=$(curl -s "$T/v1/restaurants/$restaurant/menu" | jq -r '[.sections[].items[] | select(.isSoldOut | not) | select(.optionGroups | length == 0)][0].id')
    body="{\"restaurantID\":\"$restaurant\",\"items\":[{\"itemID\":\"$item\",\"quantity\":4}],\"deliveryLocation\":{\"lat\":52.5296,\"lon\":13.4010},\"deliveryAddress\":\"Weinbergsweg 1\",\"payment\":{\"card\":\"4242424242424242\"}}"
    health=$(wrk -t2 -c64 -d5s "$T/health" | awk '/Requests\/sec/{print $2}')
    scripts/bench/reaction-probe.py "$T" "$token" "$body" 10 20 >/dev/null &
    local probe=$!
    place=$(TOKEN=$token BODY=$body wrk -t2 -c16 -d10s -s scripts/bench/place-order.lua "$T")
    wait "$probe" || true
    echo "$label round $round: GET /health $health req/s; placement $(awk '/Requests\/sec/{print $2}' <<<"$place") orders/s; $(grep -E 'requests .* p99' <<<"$place")"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

echo "placement A/B on PostgreSQL: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); A=$a B=$b"
for round in $(seq 1 "$rounds"); do
    run "$a" A "$round"
    run "$b" B "$round"
done
