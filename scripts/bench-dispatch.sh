#!/usr/bin/env bash
# Benchmarks of the dispatch engine, each beside SciPy on the same data in the same run:
#   the assignment solver on a 1,000 × 3,000 ETA matrix vs scipy.optimize.linear_sum_assignment
#   (same optimal total required), and k = 10 nearest couriers over 100,000 vs scipy cKDTree.
# Usage: scripts/bench-dispatch.sh     (ORDERS, COURIERS, INDEX, QUERIES, RUNS override the sizes)
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in swift python3; do command -v "$tool" >/dev/null || { echo "bench-dispatch: $tool is required" >&2; exit 2; }; done
python3 -c 'import scipy, numpy' 2>/dev/null || python3 -m pip install --quiet scipy numpy
ORDERS=${ORDERS:-1000} COURIERS=${COURIERS:-3000} INDEX=${INDEX:-100000} QUERIES=${QUERIES:-1000000} RUNS=${RUNS:-7}
swift build -c release --scratch-path .build-release --product tiffin >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ours=$(.build-release/release/tiffin bench-dispatch --orders "$ORDERS" --couriers "$COURIERS" --runs "$RUNS" \
    --index-couriers "$INDEX" --queries "$QUERIES" --matrix "$work/matrix.f64" --points "$work/points.f64")
echo "$ours"
theirs_solver=$(python3 scripts/bench/dispatch_reference.py solver "$work/matrix.f64" "$ORDERS" "$COURIERS" "$RUNS")
echo "$theirs_solver"
theirs_knn=$(python3 scripts/bench/dispatch_reference.py knn "$work/points.f64" "$INDEX" "$QUERIES")
echo "$theirs_knn"
field() { echo "$1" | tr ' ' '\n' | grep -A1 -x "$2" | tail -1; }
python3 - "$(field "$ours" median_ms)" "$(field "$theirs_solver" median_ms)" "$(field "$ours" total_cost)" \
    "$(field "$theirs_solver" total_cost)" "$(field "$ours" queries_per_s)" "$(field "$theirs_knn" per_call_queries_per_s)" \
    "$(field "$theirs_knn" batched_queries_per_s)" <<'PY'
import sys
ours, scipy, our_total, scipy_total, knn, per_call, batched = map(float, sys.argv[1:])
same = abs(our_total - scipy_total) <= 1e-6 * max(1.0, abs(scipy_total))
print(f"solver: Tiffin {ours:.2f} ms, SciPy {scipy:.2f} ms -> {scipy / ours:.2f}x SciPy's speed; totals equal: {same}")
print(f"k-nearest: Tiffin {knn:,.0f}/s on one core; cKDTree {per_call:,.0f}/s per call ({knn / per_call:.1f}x), {batched:,.0f}/s batched ({knn / batched:.2f}x)")
if not same:
    sys.exit("solver totals differ")
PY
