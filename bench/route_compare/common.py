"""Shared by the OR-Tools and PyVRP adapters: reading an instance and integer scaling.

Both solvers need integers. Distances are in centimetres, rounded *up* per edge, and
budgets in centimetres rounded *down*, so a route within its integer budget is within
its real budget too (the validator checks the real one anyway). Prizes are the score
times a prize scale (the adapters' --prize-scale). With the default PRIZE_SCALE = 1e9 the
smallest prize (score 0.1 -> 1e8) is more than the total flown distance of any generated
instance (20 x 21.6 km = 4.3e7 cm), so the solvers' "distance + uncollected prizes"
objective orders solutions by score first and distance second: the team orienteering
objective. run_bench.py also runs each rival with 1e5 (one score point = 1 km), which
some of their searches handle better.
"""

from __future__ import annotations

import json
import math
import time

DIST_SCALE = 100  # centimetres
PRIZE_SCALE = 10**9


def load(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


def depots_and_nodes(instance: dict):
    """Distinct depot points first, then the nodes.

    Returns (points, n_depots, starts, ends): points is a list of (x, y); starts[v] and
    ends[v] index into points; node i is points[n_depots + i].
    """
    depot_index: dict[tuple[float, float], int] = {}
    points: list[tuple[float, float]] = []
    starts, ends = [], []
    for veh in instance["vehicles"]:
        for key, out in (("start", starts), ("end", ends)):
            p = (float(veh[key]["x"]), float(veh[key]["y"]))
            if p not in depot_index:
                depot_index[p] = len(points)
                points.append(p)
            out.append(depot_index[p])
    n_depots = len(points)
    points.extend((float(n["x"]), float(n["y"])) for n in instance["nodes"])
    return points, n_depots, starts, ends


def int_dist(a: tuple[float, float], b: tuple[float, float]) -> int:
    return math.ceil(math.hypot(a[0] - b[0], a[1] - b[1]) * DIST_SCALE)


def int_budget(budget: float) -> int:
    return math.floor(budget * DIST_SCALE)


def prize(score: float) -> int:
    return int(round(score * PRIZE_SCALE))


class Clock:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def lap(self) -> float:
        t = time.perf_counter()
        d = t - self.t0
        self.t0 = t
        return d
