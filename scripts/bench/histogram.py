#!/usr/bin/env python3
"""Reads Prometheus text on stdin and prints the count, p50 and p99 of one histogram, summed over the
series whose labels contain every FILTER (e.g. event="order.cancelled"), by linear interpolation within
buckets. Usage: histogram.py METRIC [FILTER...]"""
import re, sys

metric, filters = sys.argv[1], sys.argv[2:]
buckets = {}
for line in sys.stdin:
    match = re.match(r'^%s_bucket\{(.*)\} (\S+)$' % re.escape(metric), line.strip())
    if not match or not all(f in match.group(1) for f in filters):
        continue
    le = re.search(r'le="([^"]+)"', match.group(1)).group(1)
    bound = float("inf") if le == "+Inf" else float(le)
    buckets[bound] = buckets.get(bound, 0) + float(match.group(2))
if not buckets:
    print("no samples"); sys.exit(0)
bounds = sorted(buckets)
total = buckets[bounds[-1]]

def quantile(q):
    rank, previous_bound, previous_count = q * total, 0.0, 0.0
    for bound in bounds:
        if buckets[bound] >= rank:
            if bound == float("inf"):
                return previous_bound
            share = (rank - previous_count) / max(buckets[bound] - previous_count, 1e-9)
            return previous_bound + (bound - previous_bound) * share
        previous_bound, previous_count = bound, buckets[bound]
    return bounds[-1]

print("count %d, p50 %.1f ms, p99 %.1f ms" % (total, quantile(0.5) * 1000, quantile(0.99) * 1000))
