#!/usr/bin/env python3
"""OR-Tools routing on a `patrol route solve` instance, as a prize-collecting VRP.

Every node is optional (AddDisjunction, penalty = score x --prize-scale, default 1e9); arc cost = distance in
cm (rounded up); a "Distance" dimension whose per-vehicle capacity is the budget in cm
(rounded down); per-vehicle start and end depots; GUIDED_LOCAL_SEARCH for the time limit,
after a PARALLEL_CHEAPEST_INSERTION first solution (in a pilot on the 1k, 5k and 20k
instances it beat PATH_CHEAPEST_ARC, the default, which at 20k nodes found nothing in 10 s,
and ALL_UNPERFORMED, LOCAL_CHEAPEST_INSERTION and SAVINGS at 1k).
Distances come from a transit callback on the coordinates, not a matrix, so memory stays
linear in the node count.

    solve_ortools.py INSTANCE --time-limit 10 [--first-solution PATH_CHEAPEST_ARC]

prints JSON: routes (node indices per vehicle), score (the solver's own claim),
setup_seconds (model building), seconds (SolveWithParameters), status.
"""

from __future__ import annotations

import argparse
import json
import sys

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

import common


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--first-solution", default="PARALLEL_CHEAPEST_INSERTION")
    ap.add_argument("--prize-scale", type=float, default=common.PRIZE_SCALE)
    args = ap.parse_args()

    clock = common.Clock()
    inst = common.load(args.instance)
    points, n_dep, starts, ends = common.depots_and_nodes(inst)
    n_vehicles = len(inst["vehicles"])
    manager = pywrapcp.RoutingIndexManager(len(points), n_vehicles, starts, ends)
    routing = pywrapcp.RoutingModel(manager)

    # Coordinates by routing index (depots occur once per vehicle as start/end indices).
    n_index = routing.Size() + n_vehicles
    xs = [0.0] * n_index
    ys = [0.0] * n_index
    for idx in range(n_index):
        x, y = points[manager.IndexToNode(idx)]
        xs[idx], ys[idx] = x, y
    scale = common.DIST_SCALE
    from math import ceil, hypot

    def dist(i: int, j: int) -> int:
        return ceil(hypot(xs[i] - xs[j], ys[i] - ys[j]) * scale)

    cb = routing.RegisterTransitCallback(dist)
    routing.SetArcCostEvaluatorOfAllVehicles(cb)
    caps = [common.int_budget(float(v["budget"])) for v in inst["vehicles"]]
    routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "Distance")
    for i, node in enumerate(inst["nodes"]):
        routing.AddDisjunction([manager.NodeToIndex(n_dep + i)], int(round(float(node["score"]) * args.prize_scale)))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, args.first_solution)
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(args.time_limit * 1000))
    setup = clock.lap()

    solution = routing.SolveWithParameters(params)
    seconds = clock.lap()
    status = routing.status()
    out = {"solver": "ortools", "setup_seconds": setup, "seconds": seconds, "status": int(status),
           "first_solution": args.first_solution, "prize_scale": args.prize_scale}
    if solution is None:
        out.update(routes=None, score=None, error=f"no solution (routing status {int(status)})")
    else:
        routes = []
        score = 0.0
        for v in range(n_vehicles):
            idx = routing.Start(v)
            route = []
            idx = solution.Value(routing.NextVar(idx))
            while not routing.IsEnd(idx):
                node = manager.IndexToNode(idx) - n_dep
                route.append(node)
                score += float(inst["nodes"][node]["score"])
                idx = solution.Value(routing.NextVar(idx))
            routes.append(route)
        out.update(routes=routes, score=score, objective=solution.ObjectiveValue())
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
