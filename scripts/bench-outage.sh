#!/usr/bin/env bash
# A PostgreSQL outage under load: Tiffin (release build, demo city) takes placements from wrk
# (c=8) while scripts/bench/outage-probe.py places one order and searches once every 100 ms;
# after 10 s the server is stopped (pg_ctl stop -m fast) for 20 s, then started again.
#
#   scripts/with-postgres.sh scripts/bench-outage.sh
#
# Prints: the time from the stop to the first 503, the probe's placements during the outage by
# answer and their slowest, the searches answered during it, and the time from the start to the
# first confirmed placement; GET /health from the same run as the reference. BINARY=path runs
# another build. Loopback only; stops its server on exit (and starts PostgreSQL again if it is
# stopped).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
url=${TIFFIN_TEST_DATABASE_URL:?run through scripts/with-postgres.sh}
PG_BIN=${TIFFIN_PG_BIN:-/usr/lib/postgresql/15/bin}
as=()
[[ -n "${TIFFIN_PG_SERVER_USER:-}" ]] && as=(runuser -u "$TIFFIN_PG_SERVER_USER" --)
pg() { "${as[@]}" "$PG_BIN/pg_ctl" -D "$TIFFIN_PG_DATA" "$@" >/dev/null 2>&1; }
binary=${BINARY:-}
if [[ -z "$binary" ]]; then
    swift build -c release --product tiffin --scratch-path .build-release >/dev/null
    binary=.build-release/release/tiffin
fi
work=$(mktemp -d)
pid=
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; pg status || pg -l "$TIFFIN_PG_LOG" -o "-p $TIFFIN_PG_PORT" -w start; rm -rf "$work"' EXIT

db="outage_$$"
psql "$url" -qc "CREATE DATABASE $db" >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TIFFIN_RATE_LIMITS=off TIFFIN_LOG_LEVEL=error TIFFIN_DATABASE_URL="${url%/*}/$db" "$binary" serve --port "$port" --demo >"$work/server.log" 2>&1 &
pid=$!
T="http://127.0.0.1:$port"
for _ in $(seq 1 240); do curl -sf "$T/ready" >/dev/null && break; sleep 0.5; done
health=$(wrk -t2 -c64 -d5s "$T/health" | awk '/Requests\/sec/{print $2}')
token=$(curl -sf -X POST "$T/v1/auth/login" -d '{"email":"customer@tiffin.demo","password":"tiffin-demo"}' | jq -r .token)
restaurant=C7504AB2-830C-4019-8A6E-B0046771F040
item=$(curl -s "$T/v1/restaurants/$restaurant/menu" | jq -r '[.sections[].items[] | select(.isSoldOut | not) | select(.optionGroups | length == 0)][0].id')
body="{\"restaurantID\":\"$restaurant\",\"items\":[{\"itemID\":\"$item\",\"quantity\":4}],\"deliveryLocation\":{\"lat\":52.5296,\"lon\":13.4010},\"deliveryAddress\":\"Weinbergsweg 1\",\"payment\":{\"card\":\"4242424242424242\"}}"

echo "outage: PostgreSQL stopped for 20 s under placement load; $(nproc) cores; GET /health ${health} req/s before; $(date -u +%Y-%m-%dT%H:%MZ)"
scripts/bench/outage-probe.py "$T" "$token" "$body" 45 >"$work/probe.txt" &
probe=$!
TOKEN=$token BODY=$body wrk -t1 -c8 -d45s -s scripts/bench/place-order.lua "$T" >"$work/wrk.txt" &
load=$!
t0=$(date +%s.%N)
sleep 10
stopped=$(python3 -c "import time; print($(date +%s.%N) - $t0)")
pg -m fast -w stop
sleep 20
restarted=$(python3 -c "import time; print($(date +%s.%N) - $t0)")
pg -l "$TIFFIN_PG_LOG" -o "-p $TIFFIN_PG_PORT" -w start
wait "$load" || true
wait "$probe" || true
python3 - "$stopped" "$restarted" "$work/probe.txt" <<'PY'
import sys
stopped, restarted, path = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
rows = [line.split() for line in open(path)]
rows = [(float(t), kind, int(status), float(ms)) for t, kind, status, ms in rows]
place = [r for r in rows if r[1] == "place"]
browse = [r for r in rows if r[1] == "browse"]
during = [r for r in place if stopped <= r[0] < restarted]
first_503 = min((r[0] + r[3] / 1000 for r in place if r[0] >= stopped and r[2] == 503), default=None)
after = [r for r in place if r[0] >= restarted and r[2] == 201]
first_ok = min((r[0] + r[3] / 1000 for r in after), default=None)
by_status = {}
for r in during: by_status[r[2]] = by_status.get(r[2], 0) + 1
browse_during = [r for r in browse if stopped <= r[0] < restarted]
ok = sum(1 for r in browse_during if r[2] == 200)
print(f"  first 503 {first_503 - stopped:.2f} s after the stop" if first_503 else "  no 503 seen")
print(f"  placements during the outage: {dict(sorted(by_status.items()))} (0 = no answer within 10 s); slowest {max(r[3] for r in during):.0f} ms")
print(f"  searches during the outage: {ok} of {len(browse_during)} answered 200, p99 {sorted(r[3] for r in browse_during)[int(0.99 * (len(browse_during) - 1))]:.1f} ms")
print(f"  first confirmed placement {first_ok - restarted:.2f} s after PostgreSQL was started again" if first_ok else "  no placement confirmed after the restart")
before = [r for r in place if r[0] < stopped]
print(f"  before the outage: {sum(1 for r in before if r[2] == 201)} of {len(before)} probe placements confirmed")
PY
