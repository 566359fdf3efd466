#!/usr/bin/env python3
"""A second ground station beside `patrol fly --out`, as QGroundControl or Mission Planner would
stand: pymavlink listening on a UDP port (QGroundControl listens on 14550), system 255,
component 190, heartbeats at 1 Hz to whoever it hears.

It counts the vehicle's heartbeats that reach it, then sends the vehicle a COMMAND_LONG
(MAV_CMD_DO_SET_SERVO, servo 9 to 1500 us, harmless) until the vehicle's COMMAND_ACK for it
comes back addressed to us. Prints one JSON object on stdout; exit code 1 when the time runs out.
"""
import argparse
import json
import os
import sys
import time

os.environ["MAVLINK20"] = "1"
os.environ["MAVLINK_DIALECT"] = "ardupilotmega"
from pymavlink import mavutil  # noqa: E402

mavlink = mavutil.mavlink


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True, help="udpin:HOST:PORT")
    ap.add_argument("--vehicle", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()
    c = mavutil.mavlink_connection(args.listen, source_system=255, source_component=190)
    out = {"vehicle_heartbeats": 0, "ack": None, "other_sysids": []}
    deadline = time.time() + args.timeout
    next_hb = next_cmd = 0.0
    heard = False
    while time.time() < deadline:
        now = time.time()
        if heard and now >= next_hb:
            c.mav.heartbeat_send(mavlink.MAV_TYPE_GCS, mavlink.MAV_AUTOPILOT_INVALID, 0, 0, 0)
            next_hb = now + 1.0
        if out["vehicle_heartbeats"] >= 2 and now >= next_cmd:
            c.mav.command_long_send(args.vehicle, 1, mavlink.MAV_CMD_DO_SET_SERVO, 0,
                                    9, 1500, 0, 0, 0, 0, 0)
            next_cmd = now + 1.0
        msg = c.recv_match(blocking=True, timeout=0.1)
        if msg is None or msg.get_type() == "BAD_DATA":
            continue
        heard = True
        src = msg.get_srcSystem()
        if src != args.vehicle:
            if src not in out["other_sysids"]:
                out["other_sysids"].append(src)
            continue
        if msg.get_type() == "HEARTBEAT":
            out["vehicle_heartbeats"] += 1
        elif (msg.get_type() == "COMMAND_ACK" and msg.command == mavlink.MAV_CMD_DO_SET_SERVO
              and msg.target_system in (0, 255)):
            out["ack"] = msg.result
            break
    print(json.dumps(out))
    sys.exit(0 if out["ack"] is not None else 1)


if __name__ == "__main__":
    main()
