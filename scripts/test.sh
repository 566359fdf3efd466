#!/usr/bin/env bash
# Runs every test of forest-patrol. On a fresh Debian machine it first installs what the
# tests talk to: GDAL's command-line tools (the outside oracle for rasters and vectors).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v gdalinfo >/dev/null 2>&1 || missing+=(gdal-bin)
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "Installing ${missing[*]} (Debian packages the tests need)..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cargo fmt --all --check
cargo test --workspace --locked -j"$(nproc)"
