#!/usr/bin/env python3
"""Writes a telemetry log (.tlog) with pymavlink, the reference our tlog reader is checked against.

A .tlog is what Mission Planner and MAVProxy record: for each MAVLink frame, an 8-byte big-endian
microsecond Unix timestamp and the frame's bytes. We write the records exactly as pymavlink's
mavutil does when logging (`struct.pack('>Q', usec) + msg.get_msgbuf()`, usec & ~3). N records
from system 7 component 1 cycle HEARTBEAT, GLOBAL_POSITION_INT (by default lat 36.9e7 + i,
lon -84.9e7; --lat/--lon/--east-step-e7 start elsewhere and fly east, the step per record; relative_alt i*10 mm),
ATTITUDE, SYSTEM_TIME, stamped from 1,700,000,000 s at 100 ms steps.

Prints {"records": N, "first_usec": .., "last_usec": .., "sysid": 7}.
"""
import argparse
import json
import os
import struct
import sys

os.environ["MAVLINK20"] = "1"
os.environ["MAVLINK_DIALECT"] = "ardupilotmega"
from pymavlink import mavutil  # noqa: E402

mavlink = mavutil.mavlink
SYSID, START_USEC, STEP_USEC = 7, 1_700_000_000 * 1_000_000, 100_000


def message(mav, i, usec, args):
    boot_ms = i * 100
    kind = i % 4
    if kind == 0:
        return mav.heartbeat_encode(mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA,
                                    mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, 4, mavlink.MAV_STATE_ACTIVE)
    if kind == 1:
        lat = round(args.lat * 1e7) + i
        lon = round(args.lon * 1e7) + i * args.east_step_e7
        return mav.global_position_int_encode(boot_ms, lat, lon, args.alt_mm + i * 10, i * 10,
                                              0, 0, 0, 0)
    if kind == 2:
        return mav.attitude_encode(boot_ms, 0.01, -0.02, 1.5, 0.0, 0.0, 0.0)
    return mav.system_time_encode(usec, boot_ms)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", help="the .tlog to write")
    ap.add_argument("--count", type=int, required=True, help="number of records")
    ap.add_argument("--lat", type=float, default=36.9, help="first latitude, degrees")
    ap.add_argument("--lon", type=float, default=-84.9, help="first longitude, degrees")
    ap.add_argument("--east-step-e7", type=int, default=0, help="longitude step per record, 1e-7 degrees")
    ap.add_argument("--alt-mm", type=int, default=300000, help="first altitude AMSL, millimetres")
    args = ap.parse_args()
    if args.count < 1:
        ap.error("--count must be at least 1")

    mav = mavlink.MAVLink(None, srcSystem=SYSID, srcComponent=1)
    usecs = [(START_USEC + i * STEP_USEC) & ~3 for i in range(args.count)]
    try:
        with open(args.path, "wb") as f:
            for i, usec in enumerate(usecs):
                buf = message(mav, i, usec, args).pack(mav)
                mav.seq = (mav.seq + 1) % 256  # what MAVLink.send() does after packing
                f.write(struct.pack(">Q", usec) + buf)
    except OSError as e:
        print(f"write_tlog: {args.path}: {e}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"records": args.count, "first_usec": usecs[0], "last_usec": usecs[-1], "sysid": SYSID}))


if __name__ == "__main__":
    main()
