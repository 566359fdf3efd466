#!/usr/bin/env python3
"""The one validator every solver's answer goes through.

An answer is JSON with "routes": one list of node indices (0-based, into the instance's
"nodes") per vehicle, in the instance's vehicle order (fewer lists than vehicles: the
rest fly nothing). The validator recomputes each route's length start -> nodes -> end
from the coordinates in float64, checks it against the vehicle's budget with a relative
tolerance of 1e-6, checks that every index is a node and that no node is visited twice,
and recomputes the score. An invalid answer scores 0.

    python3 validate.py INSTANCE ANSWER      # prints the verdict as JSON

As a module: validate(instance_dict, routes) -> dict.
"""

from __future__ import annotations

import json
import math
import sys

REL_TOL = 1e-6


def validate(instance: dict, routes) -> dict:
    nodes = instance["nodes"]
    vehicles = instance["vehicles"]
    problems: list[str] = []
    lengths: list[float] = []
    seen: set[int] = set()
    score = 0.0
    if not isinstance(routes, list):
        return {"valid": False, "score": 0.0, "raw_score": 0.0, "lengths": [], "visited": 0, "problems": ["routes is not a list"]}
    if len(routes) > len(vehicles):
        problems.append(f"{len(routes)} routes for {len(vehicles)} vehicles")
    for v, route in enumerate(routes[: len(vehicles)]):
        veh = vehicles[v]
        px, py = float(veh["start"]["x"]), float(veh["start"]["y"])
        length = 0.0
        for idx in route:
            if not isinstance(idx, int) or isinstance(idx, bool) or not 0 <= idx < len(nodes):
                problems.append(f"vehicle {v}: {idx!r} is not a node index")
                continue
            if idx in seen:
                problems.append(f"vehicle {v}: node {idx} visited twice")
            else:
                score += float(nodes[idx]["score"])
            seen.add(idx)
            x, y = float(nodes[idx]["x"]), float(nodes[idx]["y"])
            length += math.hypot(x - px, y - py)
            px, py = x, y
        length += math.hypot(float(veh["end"]["x"]) - px, float(veh["end"]["y"]) - py)
        lengths.append(length)
        budget = float(veh["budget"])
        if length > budget * (1 + REL_TOL) and route:
            problems.append(f"vehicle {v}: length {length:.3f} > budget {budget:.3f}")
    # An empty route has no flight: it is valid whatever the depots' distance.
    valid = not problems
    return {
        "valid": valid,
        "score": score if valid else 0.0,
        "raw_score": score,
        "lengths": lengths,
        "visited": len(seen),
        "problems": problems[:20] + ([f"... {len(problems) - 20} more"] if len(problems) > 20 else []),
    }


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        instance = json.load(f)
    with open(sys.argv[2]) as f:
        answer = json.load(f)
    verdict = validate(instance, answer.get("routes"))
    claimed = answer.get("score")
    if claimed is not None and verdict["valid"] and abs(float(claimed) - verdict["score"]) > 1e-6 * max(1.0, verdict["score"]):
        verdict["problems"].append(f"claimed score {claimed} != recomputed {verdict['score']}")
    verdict.pop("lengths")
    print(json.dumps(verdict, indent=1))
    return 0 if verdict["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
