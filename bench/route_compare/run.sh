#!/usr/bin/env bash
# Our routing core vs OR-Tools and PyVRP on team orienteering instances.
#
#   bench/route_compare/run.sh [--time-limit S] [--seed N] [--specs "1000x2 1000x5 ..."] [EXTRA.json ...]
#
# EXTRA.json: more instances (default: every bench/instances/*.json).
# Creates bench/.venv (pinned ortools and pyvrp), builds `patrol` in release, generates
# the instances (deterministic for a seed), runs every solver with the same time limit,
# validates every answer with validate.py and writes bench/results/route-compare.md
# (raw results: bench/route_compare/work/results.json). Environment: PYTHON (the Python
# 3.11 to make the venv with, default python3), CARGO_JOBS (default 2).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

time_limit=10
seed=2026
specs="1000x2 1000x5 5000x5 5000x10 20000x10 20000x20"
extra=()
passthrough=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time-limit) time_limit="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --specs) specs="$2"; shift 2 ;;
        --solvers|--pyvrp-max-nodes|--mem-cap-gb|--timeout-factor|--timeout-slack) passthrough+=("$1" "$2"); shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        *) extra+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"); shift ;;
    esac
done
# No instance files given: every bundled instance in bench/instances/.
if [ ${#extra[@]} -eq 0 ]; then
    for f in "$root"/bench/instances/*.json; do
        [ -e "$f" ] && extra+=("$f")
    done
fi
command="bench/route_compare/run.sh --time-limit $time_limit --seed $seed --specs \"$specs\"${passthrough[*]:+ ${passthrough[*]}}"
for f in "${extra[@]+"${extra[@]}"}"; do command+=" ${f#"$root/"}"; done

venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

work="$here/work"
mkdir -p "$work/instances" "$root/bench/results"

# Build, then run a private copy: the checkout is shared, and a rebuild by someone else
# during the run must not change the binary under test. The hashes go into the report.
cargo build --release -j"${CARGO_JOBS:-2}" --bin patrol
src_hash="$(cat planner/src/route/*.rs src/cli/route.rs 2>/dev/null | sha256sum | cut -c1-12)"
cp "$root/target/release/patrol" "$work/patrol"
patrol="$work/patrol"
bin_hash="$(sha256sum "$patrol" | cut -c1-12)"
# shellcheck disable=SC2086 # specs is a list
"$venv/bin/python" "$here/gen_instances.py" --seed "$seed" --out "$work/instances" $specs

"$venv/bin/python" "$here/run_bench.py" \
    --manifest "$work/instances/manifest.json" \
    --extra "${extra[@]+"${extra[@]}"}" \
    --time-limit "$time_limit" --seed "$seed" \
    --patrol "$patrol" --python "$venv/bin/python" \
    "${passthrough[@]+"${passthrough[@]}"}" \
    --raw "$work/results.json" --out "$root/bench/results/route-compare.md" \
    --command "$command" \
    --build-info "binary sha256 $bin_hash, planner/src/route + src/cli/route.rs sha256 $src_hash (read right after the build)"
echo "wrote bench/results/route-compare.md" >&2
