#!/usr/bin/env bash
# Runs every test of forest-patrol. On a fresh Debian machine it first installs what the
# tests talk to: GDAL's command-line tools (the outside oracle for rasters and vectors), socat
# (real serial pairs for the MAVLink links), pymavlink in the repository's .venv (the
# outside MAVLink peer: ground station, scripted vehicle, tlog and .waypoints reader), MAVSDK
# in the same .venv (a vehicle's mission server), and a
# virtual X display with Mesa's software Vulkan driver for the viewer's real render
# (tests/view_cli.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v gdalinfo >/dev/null 2>&1 || missing+=(gdal-bin)
command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
command -v socat >/dev/null 2>&1 || missing+=(socat)
# Debian keeps ensurepip, which `python3 -m venv` needs, in python3-venv.
{ python3 -m venv --help && python3 -c 'import ensurepip'; } >/dev/null 2>&1 || missing+=(python3-venv)
# patrol view under Xvfb: llvmpipe through the Vulkan loader; winit loads the X11 and
# xkbcommon libraries at run time.
command -v xvfb-run >/dev/null 2>&1 || missing+=(xvfb xauth)
compgen -G '/usr/share/vulkan/icd.d/lvp_icd.*.json' >/dev/null || missing+=(mesa-vulkan-drivers)
for lib in libvulkan.so.1:libvulkan1 libX11.so.6:libx11-6 libX11-xcb.so.1:libx11-xcb1 \
  libxkbcommon-x11.so.0:libxkbcommon-x11-0 libXcursor.so.1:libxcursor1 \
  libXrandr.so.2:libxrandr2 libXi.so.6:libxi6; do
  ldconfig -p | grep -F "${lib%%:*}" >/dev/null || missing+=("${lib##*:}")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "Installing ${missing[*]} (Debian packages the tests need)..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pymavlink (PyPI): the third-party MAVLink peer of tests/plan_cli.rs, tests/telemetry_cli.rs
# and planner/tests/planner/exports.rs (scripts in tests/peers/).
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -c 'import pymavlink' >/dev/null 2>&1 || .venv/bin/pip install -q pymavlink==2.4.50
# MAVSDK (PyPI, its C++ library in the wheel): the vehicle side of tests/upload_cli.rs
# (tests/peers/mavsdk_vehicle.py), a mission stack we did not write, and the ground station of
# tests/px4_cli.rs (tests/peers/mavsdk_gcs.py), PX4's own reading of the simulator's PX4 drones.
.venv/bin/python -c 'import mavsdk' >/dev/null 2>&1 || .venv/bin/pip install -q mavsdk==4.1.0

cargo fmt --all --check
cargo test --workspace --locked -j"$(nproc)"
# The benchmarks are compiled (in the test profile, sharing the tests' build), not run, so
# that a change to the code they drive cannot leave them broken until someone measures.
cargo test --workspace --benches --no-run --locked -j"$(nproc)"
