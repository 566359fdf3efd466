#!/usr/bin/env bash
# Runs every test of forest-patrol. On a fresh Debian machine it first installs what the
# tests talk to: GDAL's command-line tools (the outside oracle for rasters and vectors), socat
# (real serial pairs for the MAVLink links) and pymavlink in the repository's .venv (the
# outside MAVLink peer: ground station, scripted vehicle, tlog and .waypoints reader).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v gdalinfo >/dev/null 2>&1 || missing+=(gdal-bin)
command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
command -v socat >/dev/null 2>&1 || missing+=(socat)
# Debian keeps ensurepip, which `python3 -m venv` needs, in python3-venv.
{ python3 -m venv --help && python3 -c 'import ensurepip'; } >/dev/null 2>&1 || missing+=(python3-venv)
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

cargo fmt --all --check
cargo test --workspace --locked -j"$(nproc)"
