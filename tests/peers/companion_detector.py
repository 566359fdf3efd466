#!/usr/bin/env python3
"""A companion computer with a fire detector, built only on pymavlink, the peer for testing
that a third party can send forest-patrol's FOREST_DETECTION with standard tools.

At start it generates Python bindings of our dialect from telemetry/mavlink/forestpatrol.xml
with pymavlink's own generator (mavgen, MAVLink 2) into a temporary directory and imports them,
as a companion-computer developer would. Then, over UDP to --to HOST:PORT, as system 1:

- component 1 (the autopilot): HEARTBEAT at 1 Hz (ArduPilot quadrotor, LOITER), and
  GLOBAL_POSITION_INT + ATTITUDE at 10 Hz, hovering level with yaw 0 at --lat/--lon,
  --agl-m above --ground-amsl-m;
- component 100 (the camera, MAV_COMP_ID_CAMERA), from --detect-after seconds: --good
  FOREST_DETECTION hot spots at the image centre, interleaved with two malformed ones: an
  object_class of 9 (outside FOREST_DETECTION_CLASS; the generated Python does not check
  enums, so it goes out as is) and a NaN confidence. Each is stamped with the autopilot's boot
  time of the last position sent, so the receiver can interpolate the pose.

Telemetry goes on for --linger seconds after the last detection, then it exits 0 printing one
JSON object: {"good": n, "bad_class": n, "nan_confidence": n, "positions": n, "heartbeats": n,
"crc_extra": c} (crc_extra of FOREST_DETECTION as generated, for the record).
"""
import argparse
import contextlib
import importlib.util
import json
import os
import socket
import sys
import tempfile
import time

os.environ["MAVLINK20"] = "1"
from pymavlink.generator import mavgen  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
XML = os.path.join(HERE, "..", "..", "telemetry", "mavlink", "forestpatrol.xml")


def generate_dialect(tmp):
    """Generates and imports the dialect; returns the module."""
    out = os.path.join(tmp, "forestpatrol.py")
    opts = mavgen.Opts(out, wire_protocol=mavgen.mavparse.PROTOCOL_2_0, language="Python3")
    # mavgen reports its progress on stdout, which is for the result here.
    with contextlib.redirect_stdout(sys.stderr):
        ok = mavgen.mavgen(opts, [os.path.abspath(XML)])
    if not ok:
        sys.exit("mavgen failed on " + XML)
    spec = importlib.util.spec_from_file_location("forestpatrol", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class UdpOut:
    """The file-like sink pymavlink's MAVLink class writes frames to."""

    def __init__(self, sock, addr):
        self.sock, self.addr = sock, addr

    def write(self, buf):
        self.sock.sendto(buf, self.addr)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--to", required=True, help="HOST:PORT of the ground service (UDP)")
    p.add_argument("--lat", type=float, required=True, help="hover latitude, degrees")
    p.add_argument("--lon", type=float, required=True, help="hover longitude, degrees")
    p.add_argument("--ground-amsl-m", type=float, required=True, help="ground below, m AMSL")
    p.add_argument("--agl-m", type=float, default=100.0, help="hover height above ground, m")
    p.add_argument("--detect-after", type=float, default=2.0, help="first detection, s")
    p.add_argument("--good", type=int, default=3, help="good detections to send")
    p.add_argument("--linger", type=float, default=1.0, help="telemetry after the last, s")
    args = p.parse_args()
    host, port = args.to.rsplit(":", 1)

    with tempfile.TemporaryDirectory() as tmp:
        fp = generate_dialect(tmp)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    out = UdpOut(sock, (host, int(port)))
    autopilot = fp.MAVLink(out, srcSystem=1, srcComponent=1)
    camera = fp.MAVLink(out, srcSystem=1, srcComponent=fp.MAV_COMP_ID_CAMERA)

    # What to send after --detect-after, one every 0.3 s: (object_class, confidence).
    hotspot = fp.FOREST_DETECTION_CLASS_HOTSPOT
    plan = []
    for i in range(args.good):
        plan.append(("good", hotspot, 0.9))
        if i == 0:
            plan.append(("bad_class", 9, 0.9))
        if i == 1:
            plan.append(("nan_confidence", hotspot, float("nan")))
    sent = {"good": 0, "bad_class": 0, "nan_confidence": 0, "positions": 0, "heartbeats": 0}

    t0 = time.monotonic()
    boot_ms = lambda: 1000 + int((time.monotonic() - t0) * 1000)  # noqa: E731
    next_hb = next_pos = next_det = 0.0
    last_pos_ms = None
    detection_id = 0
    done_at = None
    alt_mm = int(round((args.ground_amsl_m + args.agl_m) * 1000))
    while True:
        now = time.monotonic() - t0
        if now >= next_hb:
            next_hb += 1.0
            autopilot.heartbeat_send(
                fp.MAV_TYPE_QUADROTOR, fp.MAV_AUTOPILOT_ARDUPILOTMEGA,
                fp.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | fp.MAV_MODE_FLAG_SAFETY_ARMED,
                5, fp.MAV_STATE_ACTIVE)
            sent["heartbeats"] += 1
        if now >= next_pos:
            next_pos += 0.1
            t = boot_ms()
            autopilot.global_position_int_send(
                t, int(round(args.lat * 1e7)), int(round(args.lon * 1e7)), alt_mm,
                int(round(args.agl_m * 1000)), 0, 0, 0, 0)
            autopilot.attitude_send(t, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
            last_pos_ms = t
            sent["positions"] += 1
        if now >= args.detect_after and plan and now >= next_det and last_pos_ms is not None:
            next_det = now + 0.3
            kind, object_class, confidence = plan.pop(0)
            detection_id += 1
            camera.forest_detection_send(
                last_pos_ms, int(time.time() * 1e6), -1, detection_id, fp.MAV_COMP_ID_CAMERA,
                object_class, confidence, 0.45, 0.45, 0.55, 0.55, 310.0)
            sent[kind] += 1
            if not plan:
                done_at = now
        if done_at is not None and now - done_at >= args.linger:
            break
        try:  # the ground service's stream requests are not needed: drain them
            while sock.recv(65536):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        time.sleep(0.01)
    sent["crc_extra"] = fp.MAVLink_forest_detection_message.crc_extra
    print(json.dumps(sent))


if __name__ == "__main__":
    main()
