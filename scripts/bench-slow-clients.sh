#!/usr/bin/env bash
# Slow clients held against the server, beside GET /health (docs/benchmarks.md):
#
#   scripts/bench-slow-clients.sh [SLOW_CONNECTIONS [ADDRESSES]]      (default 15000 from 30 addresses)
#
# Builds tiffin in release mode (.build-release), starts it on SQLite without the demo city, and
# measures GET /health with wrk (c=64, 10 s) alone, then again while SLOW_CONNECTIONS slowloris
# connections (scripts/bench/slow-clients.py: a request line, then one header byte every 2 s)
# are opened and kept trickling for 25 s. Prints both /health figures and what became of the
# slow connections (408 within the header timeout, refused 503 past a cap, still open). The slow
# connections come from 127.0.0.2 … (ADDRESSES of them), wrk from 127.0.0.1. Loopback only;
# stops by itself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for tool in wrk curl python3 swift; do command -v "$tool" >/dev/null || { echo "bench-slow-clients: $tool is required" >&2; exit 2; }; done
slow=${1:-15000}
addresses=${2:-30}
# BINARY=path measures another build (an earlier commit's, for a before/after).
if [[ -z "${BINARY:-}" ]]; then swift build -c release --product tiffin --scratch-path .build-release >&2; fi
binary=${BINARY:-.build-release/release/tiffin}
work=$(mktemp -d)
pid=
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TIFFIN_RATE_LIMITS=off TIFFIN_LOG_LEVEL=error TIFFIN_DATABASE_URL="sqlite://$work/slow.sqlite" "$binary" serve --port "$port" --no-demo >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
health() { wrk -t2 -c64 -d10s --latency "http://127.0.0.1:$port/health" | awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} END {printf "%s req/s, p99 %s", r, p}'; }
echo "bench-slow-clients: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), $slow slow connections from $addresses addresses"
echo "GET /health alone:            $(health)"
python3 scripts/bench/slow-clients.py "http://127.0.0.1:$port" "$slow" 25 "$addresses" >"$work/slow.json" &
slow_pid=$!
sleep 5
echo "GET /health beside the flood: $(health)"
wait "$slow_pid"
echo "slow connections: $(cat "$work/slow.json")"
echo "GET /health after:            $(health)"
