#!/usr/bin/env python3
"""Scripted ArduCopter-like vehicle built on pymavlink, the peer for testing `patrol fly`.

It stands still on the ground at --lat/--lon and behaves like ArduPilot as far as a ground
station can tell: 1 Hz HEARTBEAT (quadrotor, ArduPilotMega, custom_mode and armed flag track the
commands it got), GLOBAL_POSITION_INT, SYS_STATUS, EXTENDED_SYS_STATE and HOME_POSITION at 2 Hz
(MAV_CMD_SET_MESSAGE_INTERVAL changes those rates), the vehicle side of the mission protocol for
missions, fences and rally points (re-requesting an item after 0.25 s of silence, as a lossy
link needs), and a COMMAND_ACK ACCEPTED for every COMMAND_LONG / COMMAND_INT. It records what
the ground station sent, so the test checks the upload through a MAVLink stack it did not write.

Faults for testing how a ground station copes (each off by default): --ignore MISSION_COUNT or
--ignore MISSION_REQUEST_LIST (never answered, while heartbeats and telemetry go on),
--ignore-item-request N (the download request for item N is never answered), --tamper
lat|drop|command (the stored mission differs from what was uploaded: item 2's latitude moved
by 1e-4 degree, the last item dropped, or item 2's command replaced by RETURN_TO_LAUNCH, as
autopilots that overwrite slots do), --refuse-fence (a fence upload gets MAV_MISSION_DENIED),
--never-arm (the arm command is acknowledged but the vehicle stays disarmed), --no-battery
(SYS_STATUS reports the battery as unknown, as MAVSDK's vehicle-side server does by default).
Like ArduCopter, an armed vehicle switches to AUTO on MAV_CMD_MISSION_START.

Exits 0 --exit-after-start seconds after MAV_CMD_MISSION_START, printing one JSON object:
{"missions": {"0": [[seq, frame, command, lat_e7, lon_e7, alt], ...], "1": .., "2": ..},
 "mission_params": {"0": [[param1..param4], ...], ..}, "commands": [[command, p1, p2, confirmation], ...],
 "gcs_heartbeats": n, "gcs_sysid": s, "gcs_compid": c, "signed_frames": n}
On timeout the same JSON with "error": "timeout" and exit code 1.
"""
import argparse
import json
import os
import sys
import time
import tty

os.environ["MAVLINK20"] = "1"
os.environ["MAVLINK_DIALECT"] = "ardupilotmega"
from pymavlink import mavutil  # noqa: E402

mavlink = mavutil.mavlink
STREAMS = {  # message id -> default period, s
    mavlink.MAVLINK_MSG_ID_GLOBAL_POSITION_INT: 0.5, mavlink.MAVLINK_MSG_ID_SYS_STATUS: 0.5,
    mavlink.MAVLINK_MSG_ID_EXTENDED_SYS_STATE: 0.5, mavlink.MAVLINK_MSG_ID_HOME_POSITION: 0.5,
}


class PtyLink(mavutil.mavfile):
    """Raw serial/pty link for when pyserial (which mavutil's serial class needs) is missing."""

    def __init__(self, path, **kw):
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(fd)
        mavutil.mavfile.__init__(self, fd, path, **kw)

    def recv(self, n=None):
        try:
            return os.read(self.fd, n or self.mav.bytes_needed())
        except BlockingIOError:
            return b""

    def write(self, buf):
        os.write(self.fd, buf)


def connect(spec, sysid):
    kw = dict(source_system=sysid, source_component=1)
    if spec.startswith("serial:"):
        path, _, baud = spec[len("serial:"):].rpartition(":")
        try:
            import serial  # noqa: F401
        except ImportError:
            return PtyLink(path, **kw)
        return mavutil.mavlink_connection(path, baud=int(baud), **kw)
    return mavutil.mavlink_connection(spec, **kw)


class Vehicle:
    def __init__(self, conn, args):
        self.c, self.args = conn, args
        self.t0 = time.monotonic()
        self.custom_mode, self.armed = 0, False
        self.period = dict(STREAMS)
        self.next_send = {mid: 0.0 for mid in STREAMS}
        self.next_hb = 0.0
        self.missions = {0: [], 1: [], 2: []}  # only these types are accepted
        self.upload = None  # [mission_type, count, items, last request time, last progress time, uploader]
        self.rec = {"commands": [], "gcs_heartbeats": 0, "gcs_sysid": None, "gcs_compid": None,
                    "signed_frames": 0}
        self.start_time = None

    def boot_ms(self):
        return int((time.monotonic() - self.t0) * 1000)

    def send_streams(self, now):
        a, m = self.args, self.c.mav
        lat, lon, amsl = int(a.lat * 1e7), int(a.lon * 1e7), int(a.alt * 1000)
        if now >= self.next_hb:
            self.next_hb = now + 1.0
            base = mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | (mavlink.MAV_MODE_FLAG_SAFETY_ARMED if self.armed else 0)
            state = mavlink.MAV_STATE_ACTIVE if self.armed else mavlink.MAV_STATE_STANDBY
            m.heartbeat_send(mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA, base,
                             self.custom_mode, state)
        for mid, t in self.next_send.items():
            if self.period[mid] <= 0 or now < t:
                continue
            self.next_send[mid] = now + self.period[mid]
            if mid == mavlink.MAVLINK_MSG_ID_GLOBAL_POSITION_INT:
                m.global_position_int_send(self.boot_ms(), lat, lon, amsl, 0, 0, 0, 0, 0)
            elif mid == mavlink.MAVLINK_MSG_ID_SYS_STATUS:
                battery = -1 if a.no_battery else 100
                m.sys_status_send(0, 0, 0, 100, 12600, 0, battery, 0, 0, 0, 0, 0, 0)
            elif mid == mavlink.MAVLINK_MSG_ID_EXTENDED_SYS_STATE:
                m.extended_sys_state_send(mavlink.MAV_VTOL_STATE_UNDEFINED, mavlink.MAV_LANDED_STATE_ON_GROUND)
            elif mid == mavlink.MAVLINK_MSG_ID_HOME_POSITION:
                m.home_position_send(lat, lon, amsl, 0, 0, 0, [1, 0, 0, 0], 0, 0, 0)

    def request_next(self, now):
        # Requests go to whoever sent MISSION_COUNT, as ArduPilot's mission protocol does: with
        # two ground stations on the link, the other one's heartbeats do not redirect them.
        mtype, _count, items, _last, _started, (sysid, compid) = self.upload
        self.c.mav.mission_request_int_send(sysid, compid, len(items), mtype)
        self.upload[3] = now

    def gcs(self, i):
        return (self.rec["gcs_sysid"], self.rec["gcs_compid"])[i] or (255, 190)[i]

    def handle(self, msg, now):
        t, m = msg.get_type(), self.c.mav
        if t == "BAD_DATA":
            return
        if msg.get_header().incompat_flags & mavlink.MAVLINK_IFLAG_SIGNED:
            self.rec["signed_frames"] += 1
        if t == "HEARTBEAT" and msg.type == mavlink.MAV_TYPE_GCS:
            self.rec["gcs_heartbeats"] += 1
            if self.rec["gcs_sysid"] is None:
                self.rec.update(gcs_sysid=msg.get_srcSystem(), gcs_compid=msg.get_srcComponent())
            return
        if getattr(msg, "target_system", 0) not in (0, self.c.mav.srcSystem):
            return  # meant for another vehicle on the same link
        if t.startswith("MISSION_") and t != "MISSION_ACK" and getattr(msg, "mission_type", 0) not in self.missions:
            m.mission_ack_send(msg.get_srcSystem(), msg.get_srcComponent(), mavlink.MAV_MISSION_UNSUPPORTED, msg.mission_type)
            return
        if t in self.args.ignore:
            return  # the fault under test: never answered
        if t == "MISSION_COUNT" and msg.mission_type == mavlink.MAV_MISSION_TYPE_FENCE and self.args.refuse_fence:
            m.mission_ack_send(msg.get_srcSystem(), msg.get_srcComponent(), mavlink.MAV_MISSION_DENIED, msg.mission_type)
            return
        if t == "MISSION_COUNT":
            if msg.count == 0:
                self.missions[msg.mission_type] = []
                m.mission_ack_send(msg.get_srcSystem(), msg.get_srcComponent(), mavlink.MAV_MISSION_ACCEPTED, msg.mission_type)
            else:
                self.upload = [msg.mission_type, msg.count, [], now, now,
                               (msg.get_srcSystem(), msg.get_srcComponent())]
                self.request_next(now)
        elif t in ("MISSION_ITEM_INT", "MISSION_ITEM") and self.upload:
            mtype, count, items = self.upload[:3]
            if msg.mission_type != mtype or msg.seq != len(items):
                return
            lat, lon = (msg.x, msg.y) if t == "MISSION_ITEM_INT" else (round(msg.x * 1e7), round(msg.y * 1e7))
            items.append(msg)
            self.upload[4] = now
            items[-1].lat_e7, items[-1].lon_e7 = lat, lon
            if len(items) == count:
                self.missions[mtype] = self.tampered(items) if mtype == 0 else items
                self.upload = None
                m.mission_ack_send(msg.get_srcSystem(), msg.get_srcComponent(), mavlink.MAV_MISSION_ACCEPTED, mtype)
            else:
                self.request_next(now)
        elif t == "MISSION_REQUEST_LIST":
            m.mission_count_send(msg.get_srcSystem(), msg.get_srcComponent(),
                                 len(self.missions[msg.mission_type]), msg.mission_type)
        elif t in ("MISSION_REQUEST_INT", "MISSION_REQUEST"):
            if msg.seq == self.args.ignore_item_request:
                return
            items = self.missions[msg.mission_type]
            if msg.seq < len(items):
                i = items[msg.seq]
                m.mission_item_int_send(msg.get_srcSystem(), msg.get_srcComponent(), i.seq, i.frame, i.command,
                                        0, i.autocontinue, i.param1, i.param2, i.param3, i.param4,
                                        i.lat_e7, i.lon_e7, i.z, msg.mission_type)
        elif t == "MISSION_CLEAR_ALL":
            self.missions[msg.mission_type] = []
            m.mission_ack_send(msg.get_srcSystem(), msg.get_srcComponent(), mavlink.MAV_MISSION_ACCEPTED, msg.mission_type)
        elif t in ("COMMAND_LONG", "COMMAND_INT"):
            conf = msg.confirmation if t == "COMMAND_LONG" else 0
            self.rec["commands"].append([msg.command, msg.param1, msg.param2, conf])
            if msg.command == mavlink.MAV_CMD_DO_SET_MODE and int(msg.param1) & mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED:
                self.custom_mode = int(msg.param2)
            elif msg.command == mavlink.MAV_CMD_COMPONENT_ARM_DISARM:
                self.armed = msg.param1 == 1 and not self.args.never_arm
            elif msg.command == mavlink.MAV_CMD_SET_MESSAGE_INTERVAL and int(msg.param1) in self.period:
                us = msg.param2
                self.period[int(msg.param1)] = STREAMS[int(msg.param1)] if us == 0 else (-1 if us < 0 else us / 1e6)
                self.next_send[int(msg.param1)] = now
            elif msg.command == mavlink.MAV_CMD_MISSION_START and self.start_time is None:
                self.start_time = now
                if self.armed:
                    self.custom_mode = 3  # AUTO, as ArduCopter switches on MISSION_START
                    self.next_hb = now  # and says so at once
            m.command_ack_send(msg.command, mavlink.MAV_RESULT_ACCEPTED, 0, 0,
                               msg.get_srcSystem(), msg.get_srcComponent())

    def tampered(self, items):
        """What the vehicle stores of an uploaded mission, with the --tamper fault applied."""
        items = list(items)
        how = self.args.tamper
        if how == "lat" and len(items) > 2:
            items[2].lat_e7 += 1000  # 1e-4 degree, about 11 m
        elif how == "drop" and items:
            items.pop()
        elif how == "command" and len(items) > 2:
            items[2].command = mavlink.MAV_CMD_NAV_RETURN_TO_LAUNCH
        return items

    def result(self):
        missions = {str(k): [[i.seq, i.frame, i.command, i.lat_e7, i.lon_e7, i.z] for i in v]
                    for k, v in self.missions.items()}
        # NaN ("unchanged") is not JSON: write it as null.
        def num(x):
            return None if x != x else x
        params = {str(k): [[num(i.param1), num(i.param2), num(i.param3), num(i.param4)] for i in v]
                  for k, v in self.missions.items()}
        return dict(missions=missions, mission_params=params, **self.rec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--connect", required=True, help="udpout:127.0.0.1:PORT or serial:/dev/pts/N:57600")
    ap.add_argument("--sysid", type=int, required=True)
    ap.add_argument("--lat", type=float, default=36.95)
    ap.add_argument("--lon", type=float, default=-84.95)
    ap.add_argument("--alt", type=float, default=300.0, help="ground altitude AMSL, m")
    ap.add_argument("--timeout", type=float, default=60.0, help="give up (exit 1) after this many s")
    ap.add_argument("--signing-key", help="optional: sign what we send with this key (64 hex chars in a file)")
    ap.add_argument("--exit-after-start", type=float, default=1.0, help="s to keep running after MISSION_START")
    ap.add_argument("--ignore", action="append", default=[], choices=["MISSION_COUNT", "MISSION_REQUEST_LIST"],
                    help="never answer this message (repeatable)")
    ap.add_argument("--ignore-item-request", type=int, default=-1, help="never answer the request for this item")
    ap.add_argument("--tamper", choices=["lat", "drop", "command"], help="store a mission other than the one uploaded")
    ap.add_argument("--refuse-fence", action="store_true", help="deny every fence upload")
    ap.add_argument("--never-arm", action="store_true", help="acknowledge arming but stay disarmed")
    ap.add_argument("--no-battery", action="store_true", help="report the battery as unknown")
    args = ap.parse_args()

    try:
        conn = connect(args.connect, args.sysid)
        if args.signing_key:  # incoming frames are accepted signed or not, and counted
            key = bytes.fromhex(open(args.signing_key).read().strip())
            conn.setup_signing(key, sign_outgoing=True, allow_unsigned_callback=lambda *a: True)
        v = Vehicle(conn, args)
    except Exception as e:  # noqa: BLE001 - report any connection problem plainly
        print(f"scripted_vehicle: cannot open {args.connect}: {e}", file=sys.stderr)
        print(json.dumps({"error": f"connect: {e}"}))
        sys.exit(1)
    deadline = time.monotonic() + args.timeout
    while True:
        now = time.monotonic()
        if v.start_time is not None and now >= v.start_time + args.exit_after_start:
            print(json.dumps(v.result()))
            return
        if now >= deadline:
            print("scripted_vehicle: timeout before MAV_CMD_MISSION_START", file=sys.stderr)
            print(json.dumps(dict(v.result(), error="timeout")))
            sys.exit(1)
        v.send_streams(now)
        if v.upload and now - v.upload[3] >= 0.25:
            if now - v.upload[4] > 10:  # give up on a stalled upload, like ArduPilot's timeout
                v.upload = None
            else:
                v.request_next(now)
        msg = v.c.recv_match(blocking=False)
        if msg is None:
            v.c.select(0.01)
        else:
            v.handle(msg, now)


if __name__ == "__main__":
    main()
