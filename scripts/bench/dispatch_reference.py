"""SciPy references for scripts/bench-dispatch.sh, on the very data tiffin bench-dispatch wrote.

solver: scipy.optimize.linear_sum_assignment on the same cost matrix (median of N runs, and the
        optimal total, which must equal Tiffin's).
knn:    scipy.spatial.cKDTree (workers=1) k=10 queries over the same couriers, on points projected
        to the same equirectangular plane the Tiffin index ranks by, one query per call (as a
        dispatch round asks) and, for the ceiling, all queries in one vectorised call.
"""
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree


def solver(path, rows, cols, runs):
    costs = np.fromfile(path, dtype="<f8").reshape(rows, cols)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        r, c = linear_sum_assignment(costs)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"scipy_solver {rows}x{cols} median_ms {times[len(times) // 2]:.2f} min_ms {times[0]:.2f} total_cost {costs[r, c].sum():.6f}")


def knn(path, couriers, queries):
    data = np.fromfile(path, dtype="<f8").reshape(-1, 2)
    points, probes = data[:couriers], data[couriers:]
    scale = np.cos(np.radians(probes[:, 0].mean()))
    plane = lambda p: np.column_stack((p[:, 0], p[:, 1] * scale)) * 111_195.0
    tree = cKDTree(plane(points))
    q = plane(probes)
    n = min(queries, 50_000)
    start = time.perf_counter()
    for i in range(n):
        tree.query(q[i % len(q)], k=10, workers=1)
    single = n / (time.perf_counter() - start)
    start = time.perf_counter()
    tree.query(np.resize(q, (queries, 2)), k=10, workers=1)
    batch = queries / (time.perf_counter() - start)
    print(f"scipy_knn k=10 couriers {couriers} per_call_queries_per_s {single:.0f} batched_queries_per_s {batch:.0f}")


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "solver":
        solver(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        knn(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
