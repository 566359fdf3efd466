#!/usr/bin/env python3
"""MAVSDK as the ground station, flying one vehicle through PX4's commands: the peer for testing
that the simulator answers a PX4 drone as PX4 does.

MAVSDK (PyPI `mavsdk`, v4: the native binding, MAVSDK's C++ library in this process) is PX4's
own SDK: it reads the vehicle's HEARTBEAT autopilot field and, for MAV_AUTOPILOT_PX4, decodes
custom_mode as PX4's main and sub modes and commands PX4's way. Nothing here speaks MAVLink
itself; each step is one MAVSDK call:

  arm                Action.arm                  MAV_CMD_COMPONENT_ARM_DISARM
  takeoff            Action.takeoff              MAV_CMD_NAV_TAKEOFF (PX4: altitude NaN, its
                                                 MIS_TAKEOFF_ALT)
  goto               Action.goto_location        MAV_CMD_DO_REPOSITION (PX4: into Hold)
  mission            MissionRaw.upload_mission   the mission protocol, PX4's numbering (no
                     + start_mission             home item); DO_SET_MODE main 4 sub 4
  hold               Action.hold                 DO_SET_MODE main 4 sub 3
  return             Action.return_to_launch     MAV_CMD_NAV_RETURN_TO_LAUNCH

--connect is a MAVSDK URL (udpin://127.0.0.1:PORT listens where the simulator sends). The
vehicle is the one with --sysid. After the steps the script prints one JSON object:
{"autopilot": "PX4", "steps": [{"step": "arm", "result": "ok" or the error}, ...],
 "modes": [flight mode names in the order MAVSDK reported them],
 "goto_error_m": horizontal distance from the go-to target when it settled,
 "landed_disarmed": whether the vehicle was down and disarmed after the return}
and exits 0 if every step succeeded, 1 otherwise.
"""
import argparse
import json
import math
import sys
import threading
import time

from mavsdk import ComponentType, ConnectionResult, Configuration, LogLevel, Mavsdk, log_subscribe
from mavsdk.plugins.action import Action
from mavsdk.plugins.mission_raw import MissionItem, MissionRaw
from mavsdk.plugins.telemetry import Telemetry


def log_to_stderr():
    def on_log(level, message, file, line):
        if level >= LogLevel.WARN:
            print(f"[mavsdk {level.name.lower()}] {message}", file=sys.stderr, flush=True)
        return True

    log_subscribe(on_log)


def distance_m(lat1, lon1, lat2, lon2):
    """Flat-earth horizontal distance: fine over a few hundred metres."""
    north = math.radians(lat2 - lat1) * 6371000.0
    east = math.radians(lon2 - lon1) * 6371000.0 * math.cos(math.radians(lat1))
    return math.hypot(north, east)


class Watch:
    """Polls MAVSDK's view of the vehicle at 20 Hz and keeps the order of flight modes."""

    def __init__(self, telemetry):
        self.telemetry = telemetry
        self.modes = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.wait(0.05):
            name = self.telemetry.flight_mode().name
            if not self.modes or self.modes[-1] != name:
                self.modes.append(name)

    def until(self, what, predicate, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise TimeoutError(f"{what} not seen within {timeout_s:.0f} s (modes {self.modes})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--connect", required=True, help="MAVSDK URL, e.g. udpin://127.0.0.1:14550")
    ap.add_argument("--sysid", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds for each step")
    args = ap.parse_args()

    log_to_stderr()
    config = Configuration.create_with_component_type(ComponentType.GROUND_STATION)
    mavsdk = Mavsdk(config)
    if mavsdk.add_any_connection(args.connect) != ConnectionResult.SUCCESS:
        print(json.dumps({"error": "connection"}), flush=True)
        return 1

    system = None
    deadline = time.monotonic() + args.timeout
    while system is None and time.monotonic() < deadline:
        system = next((s for s in mavsdk.get_systems()
                       if s.get_system_id() == args.sysid and s.has_autopilot()), None)
        time.sleep(0.1)
    if system is None:
        print(json.dumps({"error": f"no autopilot with system id {args.sysid}"}), flush=True)
        return 1

    # MAVSDK settles the vehicle's autopilot from its heartbeats, on its own threads; on a busy
    # machine the first steps could start before it has: wait for it to be known.
    deadline = time.monotonic() + args.timeout
    while system.autopilot_type().name in ("UNKNOWN", "GENERIC") and time.monotonic() < deadline:
        time.sleep(0.1)

    telemetry, action, missions = Telemetry(system), Action(system), MissionRaw(system)
    watch = Watch(telemetry)
    steps, out = [], {}

    def step(name, run):
        try:
            run()
            steps.append({"step": name, "result": "ok"})
            return True
        except Exception as e:  # MAVSDK's ActionError, MissionRawError, TimeoutError
            steps.append({"step": name, "result": f"{type(e).__name__}: {e}"})
            return False

    watch.until("a position", lambda: not math.isnan(telemetry.position().latitude_deg),
                args.timeout)
    home = telemetry.position()
    target = (home.latitude_deg + 0.0018, home.longitude_deg)  # 200 m north
    target_alt_amsl_m = home.absolute_altitude_m + 40.0

    def takeoff():
        action.takeoff()
        watch.until("the take-off height", lambda: telemetry.position().relative_altitude_m > 2.0,
                    args.timeout)

    def goto():
        action.goto_location(target[0], target[1], target_alt_amsl_m, float("nan"))
        watch.until("arrival", lambda: distance_m(
            telemetry.position().latitude_deg, telemetry.position().longitude_deg,
            *target) < 5.0, args.timeout)
        time.sleep(0.5)
        p = telemetry.position()
        out["goto_error_m"] = distance_m(p.latitude_deg, p.longitude_deg, *target)
        out["goto_alt_error_m"] = p.absolute_altitude_m - target_alt_amsl_m

    def mission():
        items = []
        for seq, (dn, de) in enumerate([(0.0027, 0.0), (0.0027, 0.002), (0.0018, 0.002)]):
            items.append(MissionItem(
                seq=seq, frame=6, command=16, current=int(seq == 0), autocontinue=1,
                param1=0.0, param2=2.0, param3=0.0, param4=float("nan"),
                x=round((home.latitude_deg + dn) * 1e7), y=round((home.longitude_deg + de) * 1e7),
                z=40.0, mission_type=0))
        missions.upload_mission(items)
        missions.start_mission()
        watch.until("MISSION", lambda: telemetry.flight_mode().name == "MISSION", args.timeout)
        # Fly a leg of it before taking the vehicle back.
        start = telemetry.position()
        watch.until("mission progress", lambda: distance_m(
            start.latitude_deg, start.longitude_deg, telemetry.position().latitude_deg,
            telemetry.position().longitude_deg) > 30.0, args.timeout)

    def hold():
        action.hold()
        watch.until("HOLD", lambda: telemetry.flight_mode().name == "HOLD", args.timeout)

    def back():
        action.return_to_launch()
        watch.until("RETURN_TO_LAUNCH", lambda: telemetry.flight_mode().name == "RETURN_TO_LAUNCH",
                    args.timeout)
        watch.until("landed and disarmed", lambda: not telemetry.armed(), args.timeout)

    ok = all(step(name, run) for name, run in [
        ("arm", action.arm), ("takeoff", takeoff), ("goto", goto), ("mission", mission),
        ("hold", hold), ("return", back)])
    watch.stop.set()
    watch.thread.join()
    p = telemetry.position()
    # Asked last: MAVSDK settles the autopilot type from the heartbeats it has read by then.
    out["autopilot"] = system.autopilot_type().name
    out["landed_disarmed"] = (not telemetry.armed()) and p.relative_altitude_m < 1.0
    out["modes"] = watch.modes
    out["steps"] = steps
    print(json.dumps(out), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
