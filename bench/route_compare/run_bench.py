#!/usr/bin/env python3
"""Runs our solver, OR-Tools and PyVRP on each instance, validates every answer with
validate.py, and writes the Markdown report. Called by run.sh; see bench/README.md.

Each solver runs as its own process, one at a time. The driver polls it every 50 ms:
it records the wall time, the CPU time (from wait4) and the peak resident memory (from
/proc), and kills it when it passes --mem-cap-gb or --timeout-factor x the time limit
plus --timeout-slack seconds; such a run is reported as not finished, with the reason.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import validate  # noqa: E402

# Each rival runs with two prize scales (see common.py): "lex" = score x 1e9, so score
# comes first and distance only breaks ties (the team orienteering objective); "km" =
# score x 1e5, i.e. one score point is worth 1 km of flight (distances are in cm), which
# guides the rivals' distance-driven local search better on some instances. A rival's
# figure in the summary is the better valid one of its two runs.
SOLVERS = ("ours", "ours-1t", "ortools-lex", "ortools-km", "pyvrp-lex", "pyvrp-km")
PRIZE_SCALE = {"lex": "1e9", "km": "1e5"}
LABEL = {"ours": "ours (all cores)", "ours-1t": "ours (1 thread)", "ortools-lex": "OR-Tools, prize = score x 1e9",
         "ortools-km": "OR-Tools, prize = score x 1e5", "pyvrp-lex": "PyVRP, prize = score x 1e9",
         "pyvrp-km": "PyVRP, prize = score x 1e5"}


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(cmd: list[str], timeout: float, mem_cap_kb: int, env: dict | None = None) -> dict:
    """Runs cmd; returns stdout, stderr tail, wall, cpu, peak rss, and why it was killed."""
    t0 = time.perf_counter()
    with open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(cmd, stdin=devnull, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                start_new_session=True)
    # Drain the pipes in threads so that a chatty child never blocks.
    import threading

    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def drain(stream, key):
        for block in iter(lambda: stream.read(65536), b""):
            chunks[key].append(block)

    threads = [threading.Thread(target=drain, args=(proc.stdout, "out")), threading.Thread(target=drain, args=(proc.stderr, "err"))]
    for t in threads:
        t.start()
    peak = 0
    killed = None
    status = None
    usage = None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        peak = max(peak, rss_kb(proc.pid))
        elapsed = time.perf_counter() - t0
        if killed is None and peak > mem_cap_kb:
            killed = f"killed at {peak / 1e6:.1f} GB resident (cap {mem_cap_kb / 1e6:.0f} GB) after {elapsed:.0f} s"
        elif killed is None and elapsed > timeout:
            killed = f"killed after {elapsed:.0f} s (cap {timeout:.0f} s), {peak / 1e6:.1f} GB resident"
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in threads:
        t.join()
    peak = max(peak, usage.ru_maxrss)
    return {
        "stdout": b"".join(chunks["out"]).decode(errors="replace"),
        "stderr_tail": b"".join(chunks["err"]).decode(errors="replace")[-2000:],
        "returncode": proc.returncode,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_kb": peak,
        "killed": killed,
    }


def machine_line() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) / 1024 / 1024
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def versions(python: str) -> dict:
    code = "import importlib.metadata as m; import json; print(json.dumps({p: m.version(p) for p in ('ortools', 'pyvrp', 'numpy')}))"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def git_state(root: str) -> str:
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, check=True).stdout.strip()
        return head + (" with uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def solver_cmd(solver: str, args, path: str) -> list[str]:
    t = f"{args.time_limit:g}"
    if solver == "ours":
        return [args.patrol, "route", "solve", path, "--time-limit", t, "--seed", str(args.seed), "--json"]
    if solver == "ours-1t":
        return [args.patrol, "route", "solve", path, "--time-limit", t, "--seed", str(args.seed), "--json", "--threads", "1"]
    name, _, scale = solver.partition("-")
    if name == "ortools":
        return [args.python, os.path.join(HERE, "solve_ortools.py"), path, "--time-limit", t, "--prize-scale", PRIZE_SCALE[scale]]
    if name == "pyvrp":
        return [args.python, os.path.join(HERE, "solve_pyvrp.py"), path, "--time-limit", t, "--seed", str(args.seed),
                "--prize-scale", PRIZE_SCALE[scale]]
    raise ValueError(solver)


def run_one(solver: str, args, path: str, instance: dict, earlier: dict) -> dict:
    n = len(instance["nodes"])
    rec: dict = {"solver": solver}
    family = solver.partition("-")[0]
    for other, r in earlier.items():
        if other.partition("-")[0] == family and family != "ours" and r.get("status") == "unfinished":
            rec.update(status="skipped", note=f"not run: {LABEL[other]} did not finish ({r['note']}); the prize scale does not change the setup")
            return rec
    if family == "pyvrp" and args.pyvrp_max_nodes and n > args.pyvrp_max_nodes:
        gb = 8 * (n + 8) ** 2 / 1e9
        rec.update(status="skipped", note=(
            f"not run: PyVRP needs dense n x n matrices; at {n} nodes one int64 matrix is {gb:.1f} GB "
            f"and it is held at least three times (numpy + distance + duration copies), and the neighbourhood "
            f"and initial local search before its clock starts scale quadratically "
            f"(--pyvrp-max-nodes {args.pyvrp_max_nodes}; raise it to try)"))
        return rec
    load = os.getloadavg()[0]
    r = run(solver_cmd(solver, args, path), args.timeout_factor * args.time_limit + args.timeout_slack, int(args.mem_cap_gb * 1e6))
    rec.update(wall=r["wall"], cpu=r["cpu"], peak_gb=r["peak_kb"] / 1e6, load_before=load)
    threads = (os.cpu_count() or 1) if solver == "ours" else 1
    if r["wall"] > 1 and r["cpu"] < 0.8 * threads * r["wall"]:
        rec["busy"] = f"had {r['cpu'] / r['wall']:.1f} of its {threads} cores on average: the machine was busy"
    if r["killed"]:
        rec.update(status="unfinished", note=r["killed"] + (f"; {rec['busy']}" if rec.get("busy") else ""))
        return rec
    if r["returncode"] != 0:
        rec.update(status="crashed", note=f"exit code {r['returncode']}: {r['stderr_tail'].strip().splitlines()[-1:] or ''}",
                   stderr=r["stderr_tail"])
        return rec
    try:
        answer = json.loads(r["stdout"])
    except json.JSONDecodeError as e:
        rec.update(status="crashed", note=f"unreadable output: {e}", stdout_head=r["stdout"][:500])
        return rec
    rec["answer"] = answer
    rec["setup"] = answer.get("setup_seconds")
    rec["solve_seconds"] = answer.get("seconds")
    if answer.get("routes") is None:
        rec.update(status="no solution", note=answer.get("error", "no routes"))
        return rec
    verdict = validate.validate(instance, answer["routes"])
    claimed = answer.get("score")
    if verdict["valid"] and claimed is not None and abs(float(claimed) - verdict["score"]) > 1e-6 * max(1.0, verdict["score"]):
        verdict["problems"].append(f"claimed score {claimed} != recomputed {verdict['score']}")
    if solver.startswith("ours") and verdict["valid"]:
        # Our solver also prints its route lengths: they must match the validator's.
        for v, (mine, real) in enumerate(zip(answer.get("lengths", []), verdict["lengths"])):
            if abs(mine - real) > 1e-6 * max(1.0, real):
                verdict["problems"].append(f"vehicle {v}: reported length {mine} != recomputed {real}")
    rec.update(status="ok" if verdict["valid"] else "INVALID", score=verdict["score"], raw_score=verdict["raw_score"],
               visited=verdict["visited"], problems=verdict["problems"],
               max_fill=max((l / float(veh["budget"]) for l, veh, route in zip(verdict["lengths"], instance["vehicles"], answer["routes"]) if route and float(veh["budget"]) > 0), default=0.0))
    notes = [answer.get("error"), "; ".join(verdict["problems"]) if verdict["problems"] and verdict["valid"] else None, rec.get("busy")]
    if any(notes):
        rec["note"] = "; ".join(n for n in notes if n)
    return rec


def fmt_score(rec: dict) -> str:
    st = rec.get("status")
    if st == "ok":
        s = f"{rec['score']:.2f}"
        if rec.get("problems"):
            s += " ⚠"
        return s
    if st == "INVALID":
        return f"0 (INVALID; claimed {rec.get('raw_score', 0):.2f})"
    return {"skipped": "not run", "unfinished": "did not finish", "crashed": "crashed", "no solution": "no solution"}.get(st, st)


def best_of(res: dict, family: str) -> dict | None:
    runs = [(k, r) for k, r in res.items() if k.startswith(family + "-")]
    if not runs:
        return None
    ok = [(k, r) for k, r in runs if r.get("status") == "ok"]
    if ok:
        k, r = max(ok, key=lambda kr: kr[1]["score"])
        return {**r, "which": k.partition("-")[2]}
    invalid = [(k, r) for k, r in runs if r.get("status") == "INVALID"]
    return {**(invalid or runs)[0][1]}


def fmt_best(r: dict | None) -> str:
    if r is None:
        return "–"
    s = fmt_score(r)
    if r.get("which"):
        s += f" ({PRIZE_SCALE[r['which']]})"
    return s


def ratio(a: dict, others: list[dict]) -> str:
    best = max((o["score"] for o in others if o.get("status") == "ok"), default=None)
    if a.get("status") not in ("ok", "INVALID"):
        return "–"
    if best is None:
        return "no rival answer"
    if best == 0:
        return "∞" if a["score"] > 0 else "–"
    return f"{a['score'] / best:.3f}"


def write_report(path: str, args, rows: list[dict], started: dt.datetime, seconds: float) -> None:
    v = versions(args.python)
    build_info = "; " + args.build_info if args.build_info else ""
    L = []
    L.append("# Routing core vs OR-Tools and PyVRP (team orienteering)")
    L.append("")
    L.append(f"Generated by `bench/route_compare/run.sh` on {started:%Y-%m-%d %H:%M} UTC, in {seconds / 60:.1f} min; see `bench/README.md` for the method.")
    L.append("")
    L.append(f"- Command: `{args.command}`")
    L.append(f"- Machine: {machine_line()}")
    L.append(f"- Solvers: ours = `patrol route solve` (release build of {git_state(args.root)}{build_info}), default threads (every core) and `--threads 1`;"
             f" OR-Tools {v['ortools']} (routing, distance callback, GUIDED_LOCAL_SEARCH, first solution PARALLEL_CHEAPEST_INSERTION, one thread);"
             f" PyVRP {v['pyvrp']} (dense distance matrix, MaxRuntime, one thread); numpy {v['numpy']}.")
    L.append("- Wall times include process start, reading the instance and (for the rivals) building the model: \"setup\" is the"
             " model building, before the solver's clock starts. PyVRP's MaxRuntime clock starts only after its neighbourhood"
             " computation and first local search, so it can run well past the limit. CPU time below wall time x threads means"
             " the process waited for a core (see the load average).")
    L.append(f"- Time limit {args.time_limit:g} s for every solver, seed {args.seed}. Every answer went through `validate.py`"
             " (float64 lengths, budget + 1e-6 relative, no repeated node); an invalid answer scores 0.")
    L.append(f"- A run was killed above {args.mem_cap_gb:g} GB resident or after {args.timeout_factor:g} x the time limit + {args.timeout_slack:g} s.")
    L.append("")
    L.append("## Summary")
    L.append("")
    L.append("Scores are the validated total score of the visited nodes. OR-Tools and PyVRP each ran twice, with prize = score x 1e9"
             " (score first, distance as a tie-break: the team orienteering objective) and with prize = score x 1e5 (one score point"
             " is worth 1 km of flight); their column shows the better valid run and, in brackets, its scale."
             " Ratio = our score / the better of OR-Tools and PyVRP (> 1: ours wins).")
    L.append("")
    L.append("| instance | nodes | vehicles | limit (s) | total score | ours (all cores) | ours (1 thread) | OR-Tools | PyVRP | ratio | ratio 1 thread | invalid answers (scored 0) |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        res = row["results"]
        rivals = [r for r in (best_of(res, "ortools"), best_of(res, "pyvrp")) if r is not None]
        invalid = [LABEL[k] for k, r in res.items() if r.get("status") == "INVALID"]
        L.append(f"| {row['name']} | {row['nodes']} | {row['vehicles']} | {args.time_limit:g} | {row['total_score']:.2f} | "
                 + " | ".join(fmt_score(res[s]) if s in res else "–" for s in ("ours", "ours-1t")) + " | "
                 + " | ".join(fmt_best(best_of(res, f)) for f in ("ortools", "pyvrp"))
                 + f" | {ratio(res['ours'], rivals) if 'ours' in res else '–'} | {ratio(res['ours-1t'], rivals) if 'ours-1t' in res else '–'}"
                 + f" | {'; '.join(invalid) if invalid else 'none'} |")
    L.append("")
    L.append("## Per instance")
    for row in rows:
        L.append("")
        L.append(f"### {row['name']}")
        L.append("")
        extra = f", lattice {row['spacing_m']:g} m, {row['bases']} bases" if row.get("spacing_m") else ""
        L.append(f"`{row['file']}`: {row['nodes']} nodes, {row['vehicles']} vehicles (budget {row['budget']}){extra}, total score {row['total_score']:.2f}.")
        L.append("")
        L.append("| solver | score | visited | valid | longest route / budget | wall (s) | of which setup (s) | CPU (s) | peak memory (GB) | load avg before | note |")
        L.append("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|")
        for s in SOLVERS:
            r = row["results"].get(s)
            if r is None:
                continue
            ok = r.get("status") in ("ok", "INVALID")
            f = lambda k, fmt, r=r: (fmt.format(r[k]) if r.get(k) is not None else "–")  # noqa: E731
            L.append(f"| {LABEL[s]} | {fmt_score(r)} | {r.get('visited', '–') if ok else '–'} | "
                     f"{('yes' if r['status'] == 'ok' else '**no**') if ok else '–'} | {f('max_fill', '{:.4f}')} | {f('wall', '{:.1f}')} | "
                     f"{f('setup', '{:.1f}')} | {f('cpu', '{:.1f}')} | {f('peak_gb', '{:.2f}')} | {f('load_before', '{:.1f}')} | "
                     f"{(r.get('note') or '').replace('|', '/')} |")
    L.append("")
    with open(path, "w") as fh:
        fh.write("\n".join(L))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--manifest", help="manifest.json written by gen_instances.py")
    ap.add_argument("--extra", nargs="*", default=[], help="more instance files")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--patrol", required=True)
    ap.add_argument("--python", required=True, help="the venv's python, with ortools and pyvrp")
    ap.add_argument("--solvers", default=",".join(SOLVERS))
    ap.add_argument("--pyvrp-max-nodes", type=int, default=0, help="skip PyVRP above this many nodes (0: never)")
    ap.add_argument("--mem-cap-gb", type=float, default=12.0)
    ap.add_argument("--timeout-factor", type=float, default=3.0)
    ap.add_argument("--timeout-slack", type=float, default=30.0)
    ap.add_argument("--raw", required=True, help="where to write the raw JSON results")
    ap.add_argument("--out", required=True, help="the Markdown report")
    ap.add_argument("--command", default=" ".join(sys.argv))
    ap.add_argument("--build-info", default="", help="what was built (hashes), for the report")
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(HERE)))
    args = ap.parse_args()
    solvers = [s for s in args.solvers.split(",") if s]
    for s in solvers:
        if s not in SOLVERS:
            ap.error(f"unknown solver {s}")

    entries = []
    if args.manifest:
        with open(args.manifest) as f:
            entries.extend(json.load(f))
    for path in args.extra:
        entries.append({"name": os.path.splitext(os.path.basename(path))[0], "file": path})

    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    rows = []
    for e in entries:
        with open(e["file"]) as f:
            instance = json.load(f)
        budgets = sorted({float(v["budget"]) for v in instance["vehicles"]})
        row = {**e, "nodes": len(instance["nodes"]), "vehicles": len(instance["vehicles"]),
               "total_score": sum(float(n["score"]) for n in instance["nodes"]),
               "budget": " / ".join(f"{b:g}" for b in budgets), "results": {}}
        row["file"] = os.path.relpath(e["file"], args.root)
        for s in solvers:
            rec = run_one(s, args, e["file"], instance, row["results"])
            row["results"][s] = rec
            print(f"{row['name']}: {s}: {rec.get('status')} score={rec.get('score')} wall={rec.get('wall', 0):.1f}s "
                  f"{rec.get('note') or ''}", file=sys.stderr, flush=True)
        rows.append(row)
        with open(args.raw, "w") as f:
            json.dump(rows, f, indent=1)
        write_report(args.out, args, rows, started, time.perf_counter() - t0)
    bad = [(r["name"], s) for r in rows for s, rec in r["results"].items() if s.startswith("ours") and rec.get("status") not in ("ok",)]
    if bad:
        print(f"OUR SOLVER MISBEHAVED: {bad}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
