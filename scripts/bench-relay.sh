#!/usr/bin/env bash
# Benchmark of the outbox relay and notifications (tiffin bench-relay), release build, in process:
#   1. a city of ORDERS orders (default 2,000) is taken to picked-up through the services with no
#      relay running; the rate the services wrote their events is the reference;
#   2. the relay, as in production (fan-out every TIFFIN_OUTBOX_POLL_MS, default 50; one loop per
#      consumer; the production consumers plus one operator webhook endpoint hearing every order
#      event), drains that backlog: events and deliveries per second;
#   3. while it runs, the orders are delivered at RATE per second (default 100) and each
#      order_delivered notification is timed from the state change to its push (p50/p99).
# On SQLite (a fresh file) by default; under scripts/with-postgres.sh on its PostgreSQL too:
#   scripts/with-postgres.sh bash scripts/bench-relay.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ORDERS=${ORDERS:-2000}
RATE=${RATE:-100}
swift build -c release --scratch-path .build-release --product tiffin >&2
bin=.build-release/release/tiffin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TIFFIN_BCRYPT_COST=4
echo "== SQLite"
"$bin" bench-relay --database "sqlite://$work/relay.sqlite" --orders "$ORDERS" --rate "$RATE"
if [[ -n "${TIFFIN_TEST_DATABASE_URL:-}" ]]; then
    echo "== PostgreSQL"
    "$bin" bench-relay --database "$TIFFIN_TEST_DATABASE_URL" --orders "$ORDERS" --rate "$RATE"
fi
