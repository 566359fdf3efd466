#!/usr/bin/env python3
"""Generates the illustrative layers of the bundled Cumberland area from its real DEM.

The DEM is real (USGS, see ../terrain/PROVENANCE.md). Everything this script writes is
illustrative, made to be plausible for a forest-fire office and reproducible:

- villages: real place names of the region at their approximate real positions, snapped to
  the lowest ground within 600 m (villages sit on valley floors);
- roads: least-cost paths over the DEM between villages and out of the area, so they follow
  the real valleys; trails climb from a village to a summit;
- cemeteries: on knolls near villages; scenic spots: real summits (the DEM's highest points);
- forest: a fuel mask (GeoTIFF, fraction 0..1) that clears flat valley floors near villages;
- no-fly zones and launch bases: invented, placed on sensible ground.

Run from anywhere: python3 make_layers.py   (needs gdal_translate on PATH)
"""

import heapq
import json
import math
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
AREA = os.path.dirname(HERE)
DEM = os.path.join(AREA, "terrain", "cumberland-dem.tif")
LAYERS = os.path.join(AREA, "layers")


def read_dem():
    with tempfile.TemporaryDirectory() as tmp:
        asc = os.path.join(tmp, "dem.asc")
        subprocess.run(["gdal_translate", "-q", "-of", "AAIGrid", DEM, asc], check=True)
        lines = open(asc).read().split("\n")
    header = {}
    i = 0
    while lines[i].split()[0].lower() in ("ncols", "nrows", "xllcorner", "yllcorner", "cellsize", "nodata_value", "dx", "dy"):
        k, v = lines[i].split()[:2]
        header[k.lower()] = float(v)
        i += 1
    ncols, nrows = int(header["ncols"]), int(header["nrows"])
    values = [float(v) for line in lines[i:] for v in line.split()]
    grid = [values[r * ncols:(r + 1) * ncols] for r in range(nrows)]
    cell = header.get("cellsize", header.get("dx"))
    west = header["xllcorner"]
    north = header["yllcorner"] + cell * nrows
    return grid, ncols, nrows, west, north, cell


GRID, W, H, WEST, NORTH, CELL = read_dem()
M_PER_DEG_LAT = 110_990.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(NORTH - CELL * H / 2))
DX_M, DY_M = CELL * M_PER_DEG_LON, CELL * M_PER_DEG_LAT


def to_lonlat(c, r):
    return (round(WEST + (c + 0.5) * CELL, 6), round(NORTH - (r + 0.5) * CELL, 6))


def to_px(lon, lat):
    return (int((lon - WEST) / CELL), int((NORTH - lat) / CELL))


def elev(c, r):
    return GRID[max(0, min(H - 1, r))][max(0, min(W - 1, c))]


def slope_deg(c, r):
    dzdx = (elev(c + 1, r) - elev(c - 1, r)) / (2 * DX_M)
    dzdy = (elev(c, r - 1) - elev(c, r + 1)) / (2 * DY_M)
    return math.degrees(math.atan(math.hypot(dzdx, dzdy)))


def lowest_near(c, r, radius_m):
    rc, rr = int(radius_m / DX_M), int(radius_m / DY_M)
    best = (elev(c, r) + slope_deg(c, r) * 3, c, r)
    for y in range(max(1, r - rr), min(H - 1, r + rr + 1)):
        for x in range(max(1, c - rc), min(W - 1, c + rc + 1)):
            score = elev(x, y) + slope_deg(x, y) * 3  # low and flat
            if score < best[0]:
                best = (score, x, y)
    return best[1], best[2]


def least_cost_path(a, b):
    """Dijkstra over 8-neighbours: cost favours gentle grades and low ground, like a road."""
    dist = {a: 0.0}
    prev = {}
    heap = [(0.0, a)]
    while heap:
        d, (c, r) = heapq.heappop(heap)
        if (c, r) == b:
            break
        if d > dist.get((c, r), math.inf):
            continue
        for dc in (-1, 0, 1):
            for dr in (-1, 0, 1):
                if dc == 0 and dr == 0:
                    continue
                n = (c + dc, r + dr)
                if not (0 <= n[0] < W and 0 <= n[1] < H):
                    continue
                run = math.hypot(dc * DX_M, dr * DY_M)
                grade = abs(elev(*n) - elev(c, r)) / run
                cost = run * (1 + 60 * grade * grade * 10 + (elev(*n) - 236) / 400)
                nd = d + cost
                if nd < dist.get(n, math.inf):
                    dist[n] = nd
                    prev[n] = (c, r)
                    heapq.heappush(heap, (nd, n))
    path = [b]
    while path[-1] != a:
        path.append(prev[path[-1]])
    path.reverse()
    # Keep every 3rd vertex: a road, not a staircase.
    return path[::3] + ([path[-1]] if (len(path) - 1) % 3 else [])


def feature(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write(name, features):
    with open(os.path.join(LAYERS, name), "w") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, indent=1)
        f.write("\n")


# Villages: (name, approximate real lon, lat).
VILLAGE_SEEDS = [
    ("Jellico", -84.1269, 36.5876),
    ("Newcomb", -84.1785, 36.5495),
    ("Elk Valley", -84.2247, 36.4600),
    ("Pioneer", -84.3044, 36.4560),
    ("Westbourne", -84.3200, 36.5900),
    ("Morley", -84.1550, 36.6700),
]
villages = []
for name, lon, lat in VILLAGE_SEEDS:
    c, r = lowest_near(*to_px(lon, lat), 600)
    villages.append((name, c, r))
V = {name: (c, r) for name, c, r in villages}

ROADS = [
    ("US 25W", [V["Morley"], V["Jellico"], V["Newcomb"], V["Elk Valley"], (230, H - 2)]),
    ("Fault valley road", [V["Newcomb"], (232, 160), (166, 2)]),
    ("Pioneer road", [V["Pioneer"], (128, H - 2)]),
    ("Westbourne road", [(2, 150), V["Westbourne"], (232, 160)]),
    ("Pioneer connector", [V["Pioneer"], V["Elk Valley"]]),
]
road_features = []
for name, stops in ROADS:
    pts = []
    for a, b in zip(stops, stops[1:]):
        seg = least_cost_path(a, b)
        pts.extend(seg if not pts else seg[1:])
    road_features.append(feature({"type": "LineString", "coordinates": [to_lonlat(c, r) for c, r in pts]}, name=name, kind="road"))

# Summits: the highest point, then the highest points at least 5 km from those already taken.
cells = sorted(((elev(c, r), c, r) for r in range(2, H - 2) for c in range(2, W - 2)), reverse=True)
summits = []
for e, c, r in cells:
    if all(math.hypot((c - sc) * DX_M, (r - sr) * DY_M) > 5000 for _, sc, sr in summits):
        summits.append((e, c, r))
    if len(summits) == 3:
        break
SCENIC_NAMES = ["Cross Mountain summit", "Pine Mountain overlook", "Ridge fire tower"]
scenic = [feature({"type": "Point", "coordinates": to_lonlat(c, r)}, name=n, elevation_m=e) for n, (e, c, r) in zip(SCENIC_NAMES, summits)]

# Trails from villages to the two highest summits.
trail_stops = [("Cross Mountain trail", V["Elk Valley"], summits[0][1:]), ("Overlook trail", V["Jellico"], summits[1][1:])]
for name, a, b in trail_stops:
    pts = least_cost_path(a, b)
    road_features.append(feature({"type": "LineString", "coordinates": [to_lonlat(c, r) for c, r in pts]}, name=name, kind="trail"))

# Cemeteries: the top of the nearest knoll, within 1.2 km of a village and < 90 m above it.
cemeteries = []
for name, c, r in villages[:4]:
    best = None
    for y in range(r - 14, r + 15):
        for x in range(c - 17, c + 18):
            if not (1 <= x < W - 1 and 1 <= y < H - 1):
                continue
            d = math.hypot((x - c) * DX_M, (y - r) * DY_M)
            rise = elev(x, y) - elev(c, r)
            if 300 < d < 1200 and 15 < rise < 90 and slope_deg(x, y) < 12:
                score = rise - d / 100
                if best is None or score > best[0]:
                    best = (score, x, y)
    if best:
        cemeteries.append(feature({"type": "Point", "coordinates": to_lonlat(best[1], best[2])}, name=f"{name} cemetery"))

# Bases: flat ground 1.2-2.5 km from the village centre, outside the town no-fly zone.
BASES = [("Jellico", V["Jellico"], (0, -20)), ("Newcomb", V["Newcomb"], (-18, 8)), ("Elk Valley", V["Elk Valley"], (14, -6)), ("Pioneer", V["Pioneer"], (-4, -16))]
bases = []
for name, (c, r), (dc, dr) in BASES:
    bc, br = lowest_near(c + dc, r + dr, 400)
    bases.append(feature({"type": "Point", "coordinates": to_lonlat(bc, br)}, name=name))


def circle(lon, lat, radius_m, n=48):
    return [[round(lon + radius_m * math.sin(2 * math.pi * i / n) / M_PER_DEG_LON, 6),
             round(lat + radius_m * math.cos(2 * math.pi * i / n) / M_PER_DEG_LAT, 6)] for i in range(n)] + [[0, 0]]


jl = to_lonlat(*V["Jellico"])
town = circle(jl[0], jl[1], 1000)
town[-1] = town[0]
line_a, line_b = to_lonlat(250, 300), to_lonlat(380, 200)
hw = 110  # half width of the power-line corridor, metres
ux, uy = (line_b[0] - line_a[0]) * M_PER_DEG_LON, (line_b[1] - line_a[1]) * M_PER_DEG_LAT
ln = math.hypot(ux, uy)
ox, oy = -uy / ln * hw / M_PER_DEG_LON, ux / ln * hw / M_PER_DEG_LAT
corridor = [[round(line_a[0] + ox, 6), round(line_a[1] + oy, 6)], [round(line_b[0] + ox, 6), round(line_b[1] + oy, 6)],
            [round(line_b[0] - ox, 6), round(line_b[1] - oy, 6)], [round(line_a[0] - ox, 6), round(line_a[1] - oy, 6)]]
corridor.append(corridor[0])
sanct = to_lonlat(70, 240)
no_fly = [
    feature({"type": "Polygon", "coordinates": [town]}, name="Jellico town"),
    feature({"type": "Polygon", "coordinates": [corridor]}, name="500 kV line corridor", ceiling_amsl_m=700.0),
    feature({"type": "Point", "coordinates": sanct}, name="Eagle nesting sanctuary", radius_m=1500.0),
]

write("roads.geojson", road_features)
write("villages.geojson", [feature({"type": "Point", "coordinates": to_lonlat(c, r)}, name=n) for n, c, r in villages])
write("cemeteries.geojson", cemeteries)
write("scenic.geojson", scenic)
write("bases.geojson", bases)
write("no-fly.geojson", no_fly)

# Forest mask: cleared (0) on flat valley floors within 2.5 km of a village; 0.5 on the
# gentle margins; forest (1) elsewhere, as in this heavily wooded region.
rows = []
for r in range(H):
    row = []
    for c in range(W):
        near = min(math.hypot((c - vc) * DX_M, (r - vr) * DY_M) for _, vc, vr in villages)
        s = slope_deg(c, r) if 0 < c < W - 1 and 0 < r < H - 1 else 10
        if near < 2500 and s < 6:
            row.append("0")
        elif near < 3500 and s < 10:
            row.append("0.5")
        else:
            row.append("1")
    rows.append(" ".join(row))
with tempfile.TemporaryDirectory() as tmp:
    asc = os.path.join(tmp, "forest.asc")
    with open(asc, "w") as f:
        f.write(f"ncols {W}\nnrows {H}\nxllcorner {WEST}\nyllcorner {NORTH - CELL * H}\ncellsize {CELL}\n")
        f.write("\n".join(rows) + "\n")
    subprocess.run(["gdal_translate", "-q", "-ot", "Float32", "-a_srs", "EPSG:4326", "-co", "COMPRESS=DEFLATE",
                    asc, os.path.join(LAYERS, "forest.tif")], check=True)
print("wrote", sorted(os.listdir(LAYERS)))
