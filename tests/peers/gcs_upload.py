#!/usr/bin/env python3
"""Ground-station peer: checks a simulated vehicle with pymavlink, an independent MAVLink stack.

Acting as a GCS (system 255, component 190, heartbeats at 1 Hz) it waits for the vehicle's
heartbeat, uploads a mission (type 0), an exclusion fence polygon (type 1) and two rally points
(type 2) with the MAVLink mission protocol, downloads each back and compares it item by item,
asks for GLOBAL_POSITION_INT at 5 Hz with MAV_CMD_SET_MESSAGE_INTERVAL and measures the rate.
If pymavlink (what Mission Planner and MAVProxy are built on) can do all of that, real ground
stations can too. With --signing-key every frame we send is MAVLink 2 signed and unsigned or
badly signed frames from the vehicle are rejected.

Prints one JSON object on stdout; on failure it has an "error" key and the exit code is 1.
"""
import argparse
import json
import os
import signal
import sys
import time

os.environ["MAVLINK20"] = "1"
os.environ["MAVLINK_DIALECT"] = "ardupilotmega"
from pymavlink import mavutil  # noqa: E402

mavlink = mavutil.mavlink
GCS_SYSID, GCS_COMPID = 255, 190
FALLBACK_HOME = (369000000, -849000000, 300.0)  # lat e7, lon e7, alt m AMSL


class Failure(Exception):
    pass


STEP = ["starting"]  # what we are doing, for the timeout message


def step(what):
    STEP[0] = what


class Gcs:
    def __init__(self, conn, sysid):
        self.conn, self.sysid = conn, sysid
        self.last_hb = 0.0
        self.seen = set()
        self.latest = {}

    def heartbeat_if_due(self):
        if time.monotonic() - self.last_hb >= 1.0:
            self.last_hb = time.monotonic()
            self.conn.mav.heartbeat_send(mavlink.MAV_TYPE_GCS, mavlink.MAV_AUTOPILOT_INVALID, 0, 0,
                                         mavlink.MAV_STATE_ACTIVE)

    def recv(self, types, timeout, cond=lambda m: True):
        """Next message of one of `types` from the vehicle satisfying `cond`, or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.heartbeat_if_due()
            m = self.conn.recv_match(blocking=False)
            if m is None:
                self.conn.select(0.02)
                continue
            if m.get_type() == "BAD_DATA" or m.get_srcSystem() != self.sysid:
                continue
            self.seen.add(m.get_type())
            self.latest[m.get_type()] = m
            if m.get_type() in types and cond(m):
                return m
        return None


def upload(gcs, mtype, items):
    """Vehicle pulls the items with MISSION_REQUEST_INT (or MISSION_REQUEST) and ends with an ACK."""
    c, sysid = gcs.conn, gcs.sysid
    step(f"uploading mission_type {mtype}")
    requested = False
    # One pass per request; a few spare for timeouts and repeated requests.
    for _ in range(40 + 3 * len(items)):
        if not requested:
            c.mav.mission_count_send(sysid, 1, len(items), mtype)
        m = gcs.recv({"MISSION_REQUEST_INT", "MISSION_REQUEST", "MISSION_ACK"}, 1.5,
                     lambda m: m.mission_type == mtype)
        if m is None:
            continue
        if m.get_type() == "MISSION_ACK":
            if m.type != mavlink.MAV_MISSION_ACCEPTED:
                raise Failure(f"upload of mission_type {mtype}: MISSION_ACK result {m.type}")
            return
        requested = True
        if not 0 <= m.seq < len(items):
            raise Failure(f"upload of mission_type {mtype}: vehicle asked for seq {m.seq} of {len(items)}")
        seq, frame, cmd, params, lat, lon, alt = items[m.seq]
        c.mav.mission_item_int_send(sysid, 1, seq, frame, cmd, 0, 1, *params, lat, lon, alt, mtype)
    raise Failure(f"upload of mission_type {mtype}: no MISSION_ACK")


def download(gcs, mtype):
    c, sysid = gcs.conn, gcs.sysid
    step(f"downloading mission_type {mtype}")
    for _ in range(5):
        c.mav.mission_request_list_send(sysid, 1, mtype)
        m = gcs.recv({"MISSION_COUNT"}, 1.0, lambda m: m.mission_type == mtype)
        if m:
            break
    else:
        raise Failure(f"download of mission_type {mtype}: no MISSION_COUNT")
    items = []
    for seq in range(m.count):
        for _ in range(8):
            c.mav.mission_request_int_send(sysid, 1, seq, mtype)
            it = gcs.recv({"MISSION_ITEM_INT"}, 0.5, lambda m: m.mission_type == mtype and m.seq == seq)
            if it:
                break
        else:
            raise Failure(f"download of mission_type {mtype}: no MISSION_ITEM_INT seq {seq}")
        items.append(it)
    c.mav.mission_ack_send(sysid, 1, mavlink.MAV_MISSION_ACCEPTED, mtype)
    return items


def compare(mtype, sent, got):
    if len(sent) != len(got):
        raise Failure(f"mission_type {mtype}: uploaded {len(sent)} items, downloaded {len(got)}")
    for (seq, frame, cmd, _params, lat, lon, alt), g in zip(sent, got):
        if (g.frame, g.command, g.x, g.y) != (frame, cmd, lat, lon) or abs(g.z - alt) > 0.01:
            raise Failure(f"mission_type {mtype} item {seq}: sent frame {frame} cmd {cmd} {lat},{lon},{alt}; "
                          f"got frame {g.frame} cmd {g.command} {g.x},{g.y},{g.z}")


def mission_items(k, home):
    """k >= 3 items: 0 home, 1 takeoff, waypoints in a zigzag, last RTL."""
    lat0, lon0, alt0 = home
    rel = mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT
    zero = (0.0, 0.0, 0.0, 0.0)
    items = [(0, mavlink.MAV_FRAME_GLOBAL, 16, zero, lat0, lon0, alt0),
             (1, rel, 22, zero, lat0, lon0, 60.0)]
    for i in range(2, k - 1):
        lat = lat0 + (i - 1) * 20000                           # ~220 m north per leg
        lon = lon0 + (30000 if i % 2 else -30000)              # ~270 m east/west zigzag
        items.append((i, rel, 16, zero, lat, lon, 60.0 + i))
    items.append((k - 1, rel, 20, zero, 0, 0, 0.0))
    return items


def run(args, out):
    conn = mavutil.mavlink_connection(args.connect, source_system=GCS_SYSID, source_component=GCS_COMPID)
    if args.signing_key:
        try:
            key = bytes.fromhex(open(args.signing_key).read().strip())
        except ValueError:
            key = b""
        if len(key) != 32:
            raise Failure(f"{args.signing_key}: need 64 hex characters (32 bytes)")
        # Timestamp: 10 us units since 2015-01-01, as the MAVLink signing spec says.
        conn.setup_signing(key, sign_outgoing=True, allow_unsigned_callback=lambda *a: False,
                           initial_timestamp=int((time.time() - 1420070400) * 100000), link_id=0)
    gcs = Gcs(conn, args.sysid)

    step(f"waiting for a HEARTBEAT from system {args.sysid} component 1")
    hb = gcs.recv({"HEARTBEAT"}, args.timeout, lambda m: m.get_srcComponent() == 1)
    if hb is None:
        raise Failure(f"no HEARTBEAT from system {args.sysid} component 1")
    out.update(heartbeat_type=hb.type, autopilot=hb.autopilot)

    step("waiting for HOME_POSITION")
    h = gcs.recv({"HOME_POSITION"}, 3.0)  # what ArduPilot reports as item 0 on download
    if h:
        home = (h.latitude, h.longitude, h.altitude / 1000.0)
    else:
        p = gcs.latest.get("GLOBAL_POSITION_INT")
        home = (p.lat, p.lon, p.alt / 1000.0) if p else FALLBACK_HOME

    mission = mission_items(args.items, home)
    upload(gcs, 0, mission)
    out["mission_uploaded"] = len(mission)
    compare(0, mission, download(gcs, 0))
    out["mission_downloaded_equal"] = True

    lat0, lon0 = home[0] + 50000, home[1]  # fence square ~550 m north of home
    d = 10000
    corners = [(lat0, lon0), (lat0, lon0 + d), (lat0 + d, lon0 + d), (lat0 + d, lon0)]
    fence = [(i, mavlink.MAV_FRAME_GLOBAL, 5002, (4.0, 0.0, 0.0, 0.0), la, lo, 0.0)
             for i, (la, lo) in enumerate(corners)]
    upload(gcs, 1, fence)
    got = download(gcs, 1)
    compare(1, fence, got)
    out["fence_items"] = len(got)

    rel = mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT
    rally = [(0, rel, 5100, (0.0,) * 4, home[0] + 5000, home[1] + 5000, 50.0),
             (1, rel, 5100, (0.0,) * 4, home[0] - 5000, home[1] - 5000, 50.0)]
    upload(gcs, 2, rally)
    got = download(gcs, 2)
    compare(2, rally, got)
    out["rally_items"] = len(got)

    step("requesting GLOBAL_POSITION_INT at 5 Hz")
    for _ in range(3):
        conn.mav.command_long_send(args.sysid, 1, mavlink.MAV_CMD_SET_MESSAGE_INTERVAL, 0,
                                   mavlink.MAVLINK_MSG_ID_GLOBAL_POSITION_INT, 200000, 0, 0, 0, 0, 0)
        ack = gcs.recv({"COMMAND_ACK"}, 1.0, lambda m: m.command == mavlink.MAV_CMD_SET_MESSAGE_INTERVAL)
        if ack:
            break
    else:
        raise Failure("no COMMAND_ACK for MAV_CMD_SET_MESSAGE_INTERVAL")
    out["interval_ack"] = ack.result
    if ack.result != mavlink.MAV_RESULT_ACCEPTED:
        raise Failure(f"MAV_CMD_SET_MESSAGE_INTERVAL answered with result {ack.result}")
    n, end = 0, time.monotonic() + 2.0
    while gcs.recv({"GLOBAL_POSITION_INT"}, end - time.monotonic()):
        n += 1
    out["global_position_rate_hz"] = n / 2.0

    gcs.recv({"SYS_STATUS"}, 1.5)  # make sure we have a recent one (streams may be slow)
    p, s = gcs.latest.get("GLOBAL_POSITION_INT"), gcs.latest.get("SYS_STATUS")
    b = gcs.latest.get("BATTERY_STATUS")
    out.update(lat=p.lat / 1e7 if p else None, lon=p.lon / 1e7 if p else None,
               relative_alt_m=p.relative_alt / 1000.0 if p else None,
               battery_remaining=s.battery_remaining if s else (b.battery_remaining if b else None),
               messages_seen=sorted(gcs.seen))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--connect", required=True, help="e.g. udpin:127.0.0.1:14550")
    ap.add_argument("--sysid", type=int, required=True, help="vehicle system id")
    ap.add_argument("--items", type=int, required=True, help="mission items including home (>= 3)")
    ap.add_argument("--signing-key", help="file with the 32-byte key as 64 hex characters")
    ap.add_argument("--timeout", type=float, default=60.0, help="hard limit for the whole run, s")
    args = ap.parse_args()
    if args.items < 3:
        ap.error("--items must be at least 3 (home, takeoff, RTL)")

    def expire(*_):
        raise Failure(f"timeout after {args.timeout} s while {STEP[0]}")
    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)

    out = {}
    try:
        run(args, out)
    except (Failure, OSError) as e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        out["error"] = str(e)
        print(f"gcs_upload: {e}", file=sys.stderr)
        print(json.dumps(out))
        sys.exit(1)
    signal.setitimer(signal.ITIMER_REAL, 0)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
