#!/usr/bin/env python3
"""A vehicle played by MAVSDK, the peer for testing mission uploads against MAVSDK's own code.

MAVSDK (PyPI `mavsdk`, v4: the native binding, which runs MAVSDK's C++ library in this process
through ctypes; v4 ships no mavsdk_server, and the v3 mavsdk_server would not serve as a vehicle
anyway, since it only starts its gRPC side once it has discovered an autopilot) is configured as
an autopilot (component 1, system --sysid) and its MissionRawServer plugin answers the ground
station's mission protocol: MISSION_COUNT -> MISSION_REQUEST_INT ... -> MISSION_ACK for an
upload, and MISSION_REQUEST_LIST -> MISSION_COUNT -> MISSION_ITEM_INT for a download of the
mission it stored. Nothing here takes part in the protocol: the script only subscribes to
MissionRawServer's incoming missions and reports the last one.

What a ground station sees: a 1 Hz HEARTBEAT from (--sysid, 1), MAVLink 2, type
MAV_TYPE_GENERIC (--mav-type changes it), autopilot MAV_AUTOPILOT_GENERIC, base_mode 0,
custom_mode 0, system_status 0, and no SYS_STATUS at all unless --battery is given (MAVSDK sends
SYS_STATUS only when told to publish one; --battery N publishes one a second through
TelemetryServer with N % remaining, or with battery unknown for N = -1).

--connect is a MAVSDK connection URL; `udpout://127.0.0.1:PORT` sends to a ground station
listening on 127.0.0.1:PORT (and takes its answers on the same socket).

MAVSDK keeps a mission, a fence and a rally list apart (each mission_type is uploaded and
downloaded on its own), but MissionRawServer reports all three as incoming missions: only
mission_type 0 counts as a mission here. As a vehicle, MAVSDK re-requests an item after 0.5 s
of silence and gives an upload up after five requests for one item (about 2.5 s), without a
MISSION_ACK; a download of what it holds then returns the items it got before that.

Exits 0 --wait seconds after the last upload (of any mission_type) that followed the first one,
or at --timeout if uploads go on until then, printing one JSON object:
{"missions": [[seq, frame, command, x, y, z], ...], "count": n, "uploads": u,
 "uploads_by_type": {"0": u, "1": f, ..}, "failed_uploads": [result name, ...],
 "mavsdk_version": "v4.1.0"}
where missions is the last mission received (x, y as MISSION_ITEM_INT's 1e7 integers, z a
float) and u the number of mission uploads it completed. Without any mission upload by then it
prints {"error": "timeout", ...} and exits 1.
"""
import argparse
import ctypes
import json
import queue
import sys
import threading
import time

from mavsdk import ComponentType, ConnectionResult, Configuration, LogLevel, Mavsdk, log_subscribe
from mavsdk.cmavsdk_loader import _cmavsdk_lib
from mavsdk.plugins.mission_raw_server import MissionRawServer, MissionRawServerResult


def log_to_stderr(verbose):
    """MAVSDK's own log lines go to stderr (stdout carries only the JSON result)."""
    least = LogLevel.DEBUG if verbose else LogLevel.WARN

    def on_log(level, message, file, line):
        if level >= least:
            print(f"[mavsdk {level.name.lower()}] {message}", file=sys.stderr, flush=True)
        return True  # suppress MAVSDK's default printing

    log_subscribe(on_log)


def set_mav_type(config, mav_type):
    """The C library can set the HEARTBEAT's MAV_TYPE; the Python wrapper has no call for it."""
    fn = _cmavsdk_lib.mavsdk_configuration_set_mav_type
    fn.argtypes, fn.restype = [ctypes.c_void_p, ctypes.c_int], None
    fn(config._handle, mav_type)


def publish_battery(server_component, percent, stop):
    """Send SYS_STATUS once a second until stop is set (MAVSDK sends one per publish call)."""
    from mavsdk.plugins.telemetry_server import Battery, TelemetryServer

    telemetry = TelemetryServer(server_component)
    if percent < 0:
        # MAVSDK truncates remaining_percent * 100 to an int8 and voltage_v * 1000 to a uint16:
        # these give battery_remaining = -1 and voltage_battery = UINT16_MAX, "not sent".
        battery = Battery(voltage_v=65.535, remaining_percent=-0.015)
    else:
        battery = Battery(voltage_v=12.6, remaining_percent=percent / 100.0)
    while not stop.wait(1.0):
        try:
            telemetry.publish_sys_status(battery, True, True, True, True, True)
        except Exception as e:  # the link may not be up yet
            print(f"publish_sys_status: {e}", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--connect", required=True, help="MAVSDK URL, e.g. udpout://127.0.0.1:14550")
    ap.add_argument("--sysid", type=int, default=1)
    ap.add_argument("--wait", type=float, default=3.0, help="quiet seconds after an upload")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--mav-type", type=int, default=None, help="HEARTBEAT type (MAVSDK: 0)")
    ap.add_argument("--battery", type=int, default=None,
                    help="publish SYS_STATUS at 1 Hz with this %% remaining (-1: unknown)")
    ap.add_argument("--verbose", action="store_true", help="MAVSDK debug log on stderr")
    args = ap.parse_args()

    log_to_stderr(args.verbose)
    config = Configuration.create_with_component_type(ComponentType.AUTOPILOT)
    config.system_id = args.sysid
    if args.mav_type is not None:
        set_mav_type(config, args.mav_type)
    mavsdk = Mavsdk(config)
    result = mavsdk.add_any_connection(args.connect)
    if result != ConnectionResult.SUCCESS:
        print(json.dumps({"error": f"connection: {result.name}"}), flush=True)
        mavsdk.destroy()
        config.destroy()
        return 1

    server_component = mavsdk.server_component()
    missions = MissionRawServer(server_component)
    incoming = queue.Queue()
    missions.subscribe_incoming_mission(lambda res, plan, _ud: incoming.put((res, plan)))

    stop = threading.Event()
    battery = None
    if args.battery is not None:
        battery = threading.Thread(target=publish_battery, daemon=True,
                                   args=(server_component, args.battery, stop))
        battery.start()

    deadline = time.monotonic() + args.timeout
    last, last_at, uploads, failed, by_type = None, None, 0, [], {}
    while True:
        now = time.monotonic()
        end = deadline if last_at is None else min(deadline, last_at + args.wait)
        if now >= end:
            break
        try:
            res, plan = incoming.get(timeout=end - now)
        except queue.Empty:
            continue
        if res != MissionRawServerResult.SUCCESS:
            failed.append(res.name)
            continue
        last_at = time.monotonic()
        kind = plan.mission_items[0].mission_type if plan.mission_items else 0
        by_type[str(kind)] = by_type.get(str(kind), 0) + 1
        if kind == 0:  # MAV_MISSION_TYPE_MISSION; fences and rally points come here too
            last, uploads = plan, uploads + 1

    stop.set()
    if battery is not None:
        battery.join()
    version = mavsdk.version()
    mavsdk.destroy()
    config.destroy()

    out = {"uploads": uploads, "uploads_by_type": by_type, "failed_uploads": failed,
           "mavsdk_version": version}
    if last is None:
        print(json.dumps({"error": "timeout", **out}), flush=True)
        return 1
    items = [[i.seq, i.frame, i.command, i.x, i.y, i.z] for i in last.mission_items]
    print(json.dumps({"missions": items, "count": len(items), **out}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
