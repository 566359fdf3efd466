#!/usr/bin/env python3
"""Makes the bundled area's illustrative ground watch: video towers and infrared alarms.

Towers: the sites `patrol area site-towers` proposes for six towers from scratch (summits and
ridges within 1 km of a road, 30 m masts, cameras recognising smoke within 5 km), renamed
tower-1 .. tower-6. Infrared alarms: one at each cemetery and scenic spot (where people burn and
picnic) and at the foot of each trail, sensing a fire within 150 m and reporting a minute
later.

Usage: python3 tools/make_watch.py PATH/TO/patrol   (from missions/cumberland; then
`patrol area check .` shows what they watch).
"""
import json
import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent.parent
patrol = sys.argv[1] if len(sys.argv) > 1 else "patrol"
towers_path = here / "layers" / "towers.geojson"
subprocess.run([patrol, "area", "site-towers", str(here), "--count", "6", "-o", str(towers_path)], check=True)
towers = json.loads(towers_path.read_text())
for i, f in enumerate(towers["features"], start=1):
    f["properties"]["id"] = f"tower-{i}"
towers_path.write_text(json.dumps(towers, indent=2) + "\n")

layers = here / "layers"
alarms = []
for name in ("cemeteries", "scenic"):
    for f in json.loads((layers / f"{name}.geojson").read_text())["features"]:
        alarms.append((f["properties"]["name"], f["geometry"]["coordinates"]))
for f in json.loads((layers / "roads.geojson").read_text())["features"]:
    if f["properties"].get("kind") == "trail":
        alarms.append((f"{f['properties']['name']} head", f["geometry"]["coordinates"][0]))
features = [
    {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": {"id": f"ir-{i}", "name": name, "radius_m": 150, "report_delay_s": 60},
    }
    for i, (name, (lon, lat)) in enumerate(alarms, start=1)
]
(layers / "ir-alarms.geojson").write_text(
    json.dumps({"type": "FeatureCollection", "features": features}, indent=2) + "\n"
)
print(f"wrote {towers_path} ({len(towers['features'])} towers) and {layers / 'ir-alarms.geojson'} ({len(features)} alarms)")
