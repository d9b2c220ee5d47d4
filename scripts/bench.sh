#!/usr/bin/env bash
# Measures Tiffin over real HTTP with wrk against a release build on this machine.
#
#   scripts/bench.sh                                               # SQLite (fresh files)
#   TIFFIN_PG_DURABLE=1 scripts/with-postgres.sh scripts/bench.sh postgres   # PostgreSQL, fsync on
#   scripts/with-postgres.sh scripts/bench.sh postgres                       # PostgreSQL, fsync off
#
# Builds tiffin in release mode (in .build-release, apart from the debug build), starts it on a free
# loopback port with a fresh database and the demo city, and runs, each for DURATION (default 10 s):
#   1. GET /health (c=64)                         — the HTTP floor of this machine, the reference
#   2. GET /v1/restaurants/nearby (c=64)          — the demo customer's address (74 restaurants)
#   3. POST /v1/orders (c=16)                     — placement with payment authorisation, unique keys,
#      while a probe places and cancels ~20 orders/s so the outbox relay has holds to release;
#      then, from /metrics, the delay from each event's commit to its reaction (p50/p99)
#   4. a second server over a generated city of CITY restaurants (default 100,000):
#      GET /health and GET /v1/restaurants/nearby at random points of the city, at c=64, 1 and 4
# and prints each figure beside /health from the same run, as a ratio.
# Needs wrk, curl, jq and python3. Loopback only; stops its servers on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ENGINE=${1:-sqlite}
case "$ENGINE" in sqlite | postgres) ;; *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;; esac
for tool in wrk curl jq python3 swift; do command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }; done
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
PLACE_CONNECTIONS=${PLACE_CONNECTIONS:-16}
CITY=${CITY:-100000}
seconds=${DURATION%s}

swift build -c release --product tiffin --scratch-path .build-release >&2
binary=.build-release/release/tiffin
work=$(mktemp -d)
# Servers are started inside $(…), a subshell, so their pids are kept in a file, not a variable.
stop_servers() {
    local pid
    for pid in $(cat "$work/server-pids" 2>/dev/null); do
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap stop_servers EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# database NAME → a fresh database URL of the engine under test
database() {
    case "$ENGINE" in
        sqlite) echo "sqlite://$work/$1.sqlite" ;;
        postgres)
            local url=${TIFFIN_TEST_DATABASE_URL:?run through scripts/with-postgres.sh}
            psql "$url" -qc "CREATE DATABASE bench_$1" >/dev/null
            echo "${url%/*}/bench_$1" ;;
        *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
    esac
}

# start URL [flags...] → the base URL of a running server
start() {
    local url=$1 port
    shift
    port=$(free_port)
    TIFFIN_RATE_LIMITS=off TIFFIN_LOG_LEVEL=warning TIFFIN_METRICS_TOKEN=bench-scrape-token-0123456789 TIFFIN_DATABASE_URL=$url \
        "$binary" serve --port "$port" "$@" >"$work/server-$port.log" 2>&1 &
    echo $! >>"$work/server-pids"
    for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.5; done
    # Inside $(…): exiting fails the assignment, and set -e stops the script.
    curl -sf "http://127.0.0.1:$port/ready" >/dev/null || { echo "bench: the server never became ready" >&2; cat "$work/server-$port.log" >&2; exit 1; }
    echo "http://127.0.0.1:$port"
}

rate() { grep -E "Requests/sec" | awk '{print $2}'; }
ratio() { python3 -c "print('%.0f %%' % (100 * $1 / $2))"; }

echo "engine: $ENGINE, $(nproc) cores, wrk -t2, $DURATION per run, $(date -u +%Y-%m-%dT%H:%MZ)"
T=$(start "$(database demo)" --demo)
token=$(curl -sf -X POST "$T/v1/auth/login" -d '{"email":"customer@tiffin.demo","password":"tiffin-demo"}' | jq -r .token)
[[ -n "$token" && "$token" != null ]] || { echo "bench: the demo customer could not sign in" >&2; exit 1; }
restaurant=C7504AB2-830C-4019-8A6E-B0046771F040
item=$(curl -s "$T/v1/restaurants/$restaurant/menu" | jq -r '[.sections[].items[] | select(.isSoldOut | not) | select(.optionGroups | length == 0)][0].id')
[[ -n "$item" && "$item" != null ]] || { echo "bench: no plain item on the demo menu" >&2; exit 1; }
body="{\"restaurantID\":\"$restaurant\",\"items\":[{\"itemID\":\"$item\",\"quantity\":4}],\"deliveryLocation\":{\"lat\":52.5296,\"lon\":13.4010},\"deliveryAddress\":\"Weinbergsweg 1\",\"payment\":{\"card\":\"4242424242424242\"}}"

echo "== GET /health (c=$CONNECTIONS)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$T/health" | tee "$work/health.txt" | grep -E "Requests/sec|  50%|  99%|Non-2xx"
health=$(rate <"$work/health.txt")

echo "== GET /v1/restaurants/nearby, demo city (c=$CONNECTIONS)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$T/v1/restaurants/nearby?lat=52.5296&lon=13.4010" | tee "$work/nearby.txt" |
    grep -E "Requests/sec|  50%|  99%|Non-2xx"
echo "   nearby / health: $(ratio "$(rate <"$work/nearby.txt")" "$health")"

echo "== POST /v1/orders (c=$PLACE_CONNECTIONS), with a place-and-cancel probe beside it"
scripts/bench/reaction-probe.py "$T" "$token" "$body" "$seconds" 20 >"$work/probe.txt" &
probe=$!
TOKEN=$token BODY=$body wrk -t2 -c"$PLACE_CONNECTIONS" -d"$DURATION" -s scripts/bench/place-order.lua "$T" | tee "$work/place.txt" |
    grep -E "Requests/sec|requests .* p99|Non-2xx"
wait "$probe"
echo "   placement / health: $(ratio "$(rate <"$work/place.txt")" "$health"); the probe cancelled $(cat "$work/probe.txt") orders"
sleep 2  # let the relay finish what was committed at the end
curl -s "$T/metrics" -H "authorization: Bearer bench-scrape-token-0123456789" >"$work/metrics.txt"
echo "   commit → reaction, holds released:                  $(scripts/bench/histogram.py tiffin_outbox_lag_seconds 'consumer="payments.release-hold-when-order-ends"' <"$work/metrics.txt")"
echo "   commit → notified (feed written, pushed, queued):    $(scripts/bench/histogram.py tiffin_outbox_lag_seconds 'consumer="notifications"' <"$work/metrics.txt")"
echo "   commit → handled, every consumer:                    $(scripts/bench/histogram.py tiffin_outbox_lag_seconds <"$work/metrics.txt")"
echo "   placement as the server timed it:                    $(scripts/bench/histogram.py tiffin_order_placement_seconds 'outcome="confirmed"' <"$work/metrics.txt")"

echo "== a generated city of $CITY restaurants"
city=$(database city)
"$binary" bench-city --restaurants "$CITY" --database "$city"
C=$(start "$city" --no-demo)
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "$C/health" >"$work/city-health.txt"
city_health=$(rate <"$work/city-health.txt")
echo "   GET /health (c=$CONNECTIONS): $city_health req/s"
echo "== GET /v1/restaurants/nearby at random points of the city (c=$CONNECTIONS)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s scripts/bench/nearby-city.lua "$C" | tee "$work/city.txt" | grep -E "Requests/sec|requests .* p99|Non-2xx"
echo "   nearby / health: $(ratio "$(rate <"$work/city.txt")" "$city_health")"
for c in 1 4; do
    echo "== the same at c=$c (latency with little queueing)"
    wrk -t1 -c"$c" -d"$DURATION" -s scripts/bench/nearby-city.lua "$C" | grep -E "Requests/sec|requests .* p99|Non-2xx"
done
