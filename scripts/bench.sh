#!/usr/bin/env bash
# Measures Tiffin over real HTTP with wrk against a release build on this machine.
#
#   scripts/bench.sh                         # SQLite (a fresh file)
#   scripts/with-postgres.sh scripts/bench.sh postgres
#
# Starts `tiffin serve` (release, demo city, fresh database) on a free loopback port, then:
#   1. GET /health                       — the HTTP floor of this machine
#   2. GET /v1/restaurants/nearby        — search at the demo customer's address (74 restaurants)
#   3. POST /v1/orders                   — placement with payment authorisation, unique keys
# Each run is bounded (DURATION, default 10 s; CONNECTIONS default 64; placement uses 16).
# Needs wrk, curl, jq and python3. Loopback only; stops the server on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ENGINE=${1:-sqlite}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
PLACE_CONNECTIONS=${PLACE_CONNECTIONS:-16}

swift build -c release --product tiffin >&2
binary=$(swift build -c release --show-bin-path)/tiffin
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
case "$ENGINE" in
    sqlite) database="sqlite://$work/bench.sqlite" ;;
    postgres) database=${TIFFIN_TEST_DATABASE_URL:?run through scripts/with-postgres.sh} ;;
    *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac

TIFFIN_LOG_LEVEL=warning TIFFIN_DATABASE_URL=$database "$binary" serve --port "$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.5; done

T=http://127.0.0.1:$port
token=$(curl -s -X POST "$T/v1/auth/login" -d '{"email":"customer@tiffin.demo","password":"tiffin-demo"}' | jq -r .token)
restaurant=C7504AB2-830C-4019-8A6E-B0046771F040
item=$(curl -s "$T/v1/restaurants/$restaurant/menu" | jq -r '[.sections[].items[] | select(.isSoldOut | not) | select(.optionGroups | length == 0)][0].id')
body="{\"restaurantID\":\"$restaurant\",\"items\":[{\"itemID\":\"$item\",\"quantity\":4}],\"deliveryLocation\":{\"lat\":52.5296,\"lon\":13.4010},\"deliveryAddress\":\"Weinbergsweg 1\",\"payment\":{\"card\":\"4242424242424242\"}}"

echo "engine: $ENGINE, $(nproc) cores, wrk -t2, $DURATION per run"
echo "== GET /health (c=$CONNECTIONS)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$T/health" | grep -E "Requests/sec|  50%|  99%|Non-2xx"
echo "== GET /v1/restaurants/nearby (c=$CONNECTIONS)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$T/v1/restaurants/nearby?lat=52.5296&lon=13.4010" | grep -E "Requests/sec|  50%|  99%|Non-2xx"
echo "== POST /v1/orders (c=$PLACE_CONNECTIONS)"
TOKEN=$token BODY=$body wrk -t2 -c"$PLACE_CONNECTIONS" -d"$DURATION" -s scripts/bench/place-order.lua "$T" | grep -E "Requests/sec|requests .* p99|Non-2xx"
