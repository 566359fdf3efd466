#!/usr/bin/env python3
"""PyVRP on a `patrol route solve` instance, as a prize-collecting VRP.

Clients with prize = score x --prize-scale (default 1e9) and required=False; one vehicle type per distinct
(start depot, end depot, budget) with max_distance = budget in cm (rounded down);
distances in cm (rounded up) as a dense matrix, which PyVRP requires; MaxRuntime.

    solve_pyvrp.py INSTANCE --time-limit 10 [--seed 1]

prints JSON like solve_ortools.py.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, VehicleType, solve
from pyvrp.stop import MaxRuntime

import common


def matrix(points: list[tuple[float, float]]) -> np.ndarray:
    xy = np.asarray(points, dtype=np.float64)
    n = len(xy)
    out = np.empty((n, n), dtype=np.int64)
    step = max(1, 2_000_000 // max(n, 1))  # rows per chunk, bounded temporaries
    for r in range(0, n, step):
        d = np.hypot(xy[r : r + step, None, 0] - xy[None, :, 0], xy[r : r + step, None, 1] - xy[None, :, 1])
        out[r : r + step] = np.ceil(d * common.DIST_SCALE).astype(np.int64)
    np.fill_diagonal(out, 0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--prize-scale", type=float, default=common.PRIZE_SCALE)
    ap.add_argument("--unit-distance-cost", type=int, default=1)
    args = ap.parse_args()

    clock = common.Clock()
    phases: dict[str, float] = {}
    inst = common.load(args.instance)
    points, n_dep, starts, ends = common.depots_and_nodes(inst)
    locations = [Location(x=x, y=y) for x, y in points]
    depots = [Depot(location=i) for i in range(n_dep)]
    clients = [
        Client(location=n_dep + i, prize=int(round(float(nd["score"]) * args.prize_scale)), required=False)
        for i, nd in enumerate(inst["nodes"])
    ]
    # Group identical vehicles into types; remember which vehicles each type stands for.
    types: dict[tuple[int, int, int], list[int]] = {}
    for v, veh in enumerate(inst["vehicles"]):
        types.setdefault((starts[v], ends[v], common.int_budget(float(veh["budget"]))), []).append(v)
    keys = list(types)
    vehicle_types = [VehicleType(num_available=len(types[k]), start_depot=k[0], end_depot=k[1], max_distance=k[2], unit_distance_cost=args.unit_distance_cost) for k in keys]
    # Durations are unused (no time windows, no shift limit, no duration cost); passing
    # the distance array again saves a second n x n numpy array.
    dist = matrix(points)
    data = ProblemData(locations, clients, depots, vehicle_types, [dist], [dist])
    del dist
    phases["data"] = clock.lap()
    setup = phases["data"]

    result = solve(data, stop=MaxRuntime(args.time_limit), seed=args.seed, collect_stats=False, display=False)
    seconds = clock.lap()
    best = result.best
    out = {"solver": "pyvrp", "setup_seconds": setup, "seconds": seconds, "feasible": best.is_feasible(),
           "iterations": result.num_iterations}
    routes: list[list[int]] = [[] for _ in inst["vehicles"]]
    free = {k: list(vs) for k, vs in types.items()}
    score = 0.0
    for r in best.routes():
        v = free[keys[r.vehicle_type()]].pop(0)
        visits = []
        for act in r:
            if act.is_client():
                visits.append(act.idx)
                score += float(inst["nodes"][act.idx]["score"])
        routes[v] = visits
    out.update(routes=routes, score=score, objective=result.cost())
    if not best.is_feasible():
        out["error"] = "PyVRP's best solution is infeasible (over a budget)"
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
