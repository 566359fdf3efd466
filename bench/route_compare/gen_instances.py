#!/usr/bin/env python3
"""Deterministic team-orienteering instances shaped like a forest-patrol day.

Each instance is a 20 km x 20 km square of forest cells on a lattice (250 m apart, or
closer when the node count does not fit on a 250 m lattice at 60 % occupancy), part of
them clustered in forest patches and the rest spread uniformly. Scores follow risk
classes (0.1, 0.3, 0.5, 0.75, 1.0; patches are riskier on average). Vehicles are
multirotors flying 30-minute sorties at 12 m/s (budget 21.6 km), starting at one of 2 to
4 bases; every fourth vehicle lands at another base when that base is within half a
budget, the others return to their own.

Only the standard library is used, so that the same seed gives the same files with any
Python 3 and any numpy.

    python3 gen_instances.py --seed 2026 --out DIR 1000x2 1000x5 5000x5 ...

writes DIR/gen-<nodes>n-<vehicles>v-s<seed>.json (the `patrol route solve` format) and
DIR/manifest.json (name, file, nodes, vehicles, lattice spacing, bases, total score).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys

SIDE_M = 20_000.0
CELL_M = 250.0
MAX_OCCUPANCY = 0.6
BUDGET_M = 30 * 60 * 12.0  # 30-min sortie at 12 m/s = 21 600 m
CLUSTERED_SHARE = 0.6
RISK_SCORES = [0.1, 0.3, 0.5, 0.75, 1.0]
RISK_WEIGHTS_UNIFORM = [0.40, 0.30, 0.17, 0.09, 0.04]
RISK_WEIGHTS_PATCH = [0.15, 0.25, 0.25, 0.20, 0.15]


def lattice_spacing(n: int) -> float:
    """250 m, or the spacing that makes n nodes fill at most 60 % of the lattice."""
    per_side = SIDE_M / CELL_M
    if n <= MAX_OCCUPANCY * per_side * per_side:
        return CELL_M
    k = math.ceil(math.sqrt(n / MAX_OCCUPANCY))
    return SIDE_M / k


def generate(n: int, vehicles: int, seed: int) -> tuple[dict, dict]:
    rng = random.Random(f"forest-patrol-route-compare/{seed}/{n}/{vehicles}")
    spacing = lattice_spacing(n)
    k = int(round(SIDE_M / spacing))

    def snap(x: float, y: float) -> tuple[int, int] | None:
        i, j = int(x // spacing), int(y // spacing)
        if 0 <= i < k and 0 <= j < k:
            return i, j
        return None

    patches = []
    for _ in range(6 + n // 1000):
        patches.append((rng.uniform(1500, SIDE_M - 1500), rng.uniform(1500, SIDE_M - 1500), rng.uniform(600, 2200)))

    cells: dict[tuple[int, int], int] = {}  # cell -> risk class
    n_clustered = int(round(n * CLUSTERED_SHARE))
    while len(cells) < n_clustered:
        cx, cy, sigma = patches[rng.randrange(len(patches))]
        c = snap(rng.gauss(cx, sigma), rng.gauss(cy, sigma))
        if c is not None and c not in cells:
            cells[c] = rng.choices(range(5), RISK_WEIGHTS_PATCH)[0]
    while len(cells) < n:
        c = (rng.randrange(k), rng.randrange(k))
        if c not in cells:
            cells[c] = rng.choices(range(5), RISK_WEIGHTS_UNIFORM)[0]

    order = sorted(cells)  # row-major, independent of generation order
    rng.shuffle(order)  # node indices carry no spatial information
    nodes = [
        {"x": round((i + 0.5) * spacing, 2), "y": round((j + 0.5) * spacing, 2), "score": RISK_SCORES[cells[(i, j)]]}
        for (i, j) in order
    ]

    n_bases = rng.randint(2, 4)
    bases = [(round(rng.uniform(2000, SIDE_M - 2000), 1), round(rng.uniform(2000, SIDE_M - 2000), 1)) for _ in range(n_bases)]
    vehs = []
    for v in range(vehicles):
        s = bases[v % n_bases]
        e = s
        if v % 4 == 3:
            other = bases[(v + 1) % n_bases]
            if math.dist(s, other) <= BUDGET_M / 2:
                e = other
        vehs.append({"start": {"x": s[0], "y": s[1]}, "end": {"x": e[0], "y": e[1]}, "budget": BUDGET_M})

    instance = {"nodes": nodes, "vehicles": vehs}
    meta = {
        "nodes": n,
        "vehicles": vehicles,
        "spacing_m": round(spacing, 2),
        "bases": n_bases,
        "patches": len(patches),
        "budget_m": BUDGET_M,
        "total_score": round(sum(nd["score"] for nd in nodes), 6),
    }
    return instance, meta


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", required=True)
    ap.add_argument("specs", nargs="+", help="NODESxVEHICLES, e.g. 1000x2")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    manifest = []
    for spec in args.specs:
        n_s, v_s = spec.lower().split("x")
        n, v = int(n_s), int(v_s)
        instance, meta = generate(n, v, args.seed)
        name = f"gen-{n}n-{v}v-s{args.seed}"
        path = os.path.join(args.out, name + ".json")
        with open(path, "w") as f:
            json.dump(instance, f, separators=(",", ":"))
        manifest.append({"name": name, "file": path, **meta})
        print(f"{path}: {n} nodes, {v} vehicles, lattice {meta['spacing_m']} m, {meta['bases']} bases", file=sys.stderr)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
