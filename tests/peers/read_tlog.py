#!/usr/bin/env python3
"""Reads a telemetry log (.tlog) with pymavlink, to check the tlogs forest-patrol records.

If pymavlink's own tlog reader (used by MAVExplorer, mavlogdump, Mission Planner's cousins) parses
our file with no BAD_DATA, sane monotonic timestamps and the expected messages, other tools will
read it too. Prints one JSON object:
{"messages": n, "bad_data": n, "first_timestamp": s, "last_timestamp": s, "types": {name: count},
 "systems": [sysids], "timestamps_monotonic": bool,
 "last_global_position": {"lat": deg, "lon": deg, "relative_alt_m": m} or null}
"""
import argparse
import json
import os
import sys

os.environ["MAVLINK20"] = "1"
os.environ["MAVLINK_DIALECT"] = "ardupilotmega"
from pymavlink import mavutil  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", help="a .tlog file (the extension makes pymavlink use its tlog reader)")
    args = ap.parse_args()
    if not os.path.isfile(args.path):
        print(f"read_tlog: {args.path}: no such file", file=sys.stderr)
        sys.exit(1)

    log = mavutil.mavlink_connection(args.path)
    n = bad = 0
    types, systems, stamps = {}, set(), []
    last_pos = None
    while True:
        m = log.recv_match(blocking=False)
        if m is None:
            break
        if m.get_type() == "BAD_DATA":
            bad += 1
            continue
        n += 1
        types[m.get_type()] = types.get(m.get_type(), 0) + 1
        systems.add(m.get_srcSystem())
        stamps.append(m._timestamp)
        if m.get_type() == "GLOBAL_POSITION_INT":
            last_pos = {"lat": m.lat / 1e7, "lon": m.lon / 1e7, "relative_alt_m": m.relative_alt / 1000.0}
    print(json.dumps({
        "messages": n, "bad_data": bad,
        "first_timestamp": round(stamps[0], 6) if stamps else None,
        "last_timestamp": round(stamps[-1], 6) if stamps else None,
        "types": types, "systems": sorted(systems),
        "timestamps_monotonic": all(a <= b for a, b in zip(stamps, stamps[1:])),
        "last_global_position": last_pos,
    }))


if __name__ == "__main__":
    main()
