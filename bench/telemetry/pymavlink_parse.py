#!/usr/bin/env python3
"""Parses a file of raw MAVLink 2 frames with pymavlink, as a ground station would read a
socket: parse_buffer on fixed-size chunks. Prints one JSON line: frames parsed, best wall
time of three passes, the pymavlink version and whether its C parser was in use.

Used by `cargo bench -p patrol-telemetry --bench decode` (telemetry/benches/decode.rs).

    .venv/bin/python bench/telemetry/pymavlink_parse.py FRAMES.bin [CHUNK_BYTES]
"""

import json
import os
import sys
import time

os.environ["MAVLINK20"] = "1"  # before importing mavutil, or it speaks MAVLink 1
os.environ.setdefault("MAVLINK_DIALECT", "ardupilotmega")

from pymavlink import mavutil  # noqa: E402

mavutil.set_dialect("ardupilotmega")


def parse(data: bytes, chunk: int) -> int:
    mav = mavutil.mavlink.MAVLink(None)
    mav.robust_parsing = True
    n = 0
    for i in range(0, len(data), chunk):
        msgs = mav.parse_buffer(data[i : i + chunk])
        if msgs:
            n += len(msgs)
    return n


def main() -> None:
    path = sys.argv[1]
    chunk = int(sys.argv[2]) if len(sys.argv) > 2 else 4096
    with open(path, "rb") as f:
        data = f.read()
    best = float("inf")
    frames = 0
    for _ in range(3):
        t0 = time.perf_counter()
        frames = parse(data, chunk)
        best = min(best, time.perf_counter() - t0)
    try:
        from importlib.metadata import version

        ver = version("pymavlink")
    except Exception:  # pragma: no cover - only a label
        ver = "?"
    native = getattr(mavutil.mavlink, "native_supported", False)
    print(
        json.dumps(
            {
                "frames": frames,
                "best_seconds": best,
                "pymavlink": ver,
                "native": "C parser" if native else "pure Python",
                "dialect": mavutil.mavlink.__name__,
            }
        )
    )


if __name__ == "__main__":
    main()
