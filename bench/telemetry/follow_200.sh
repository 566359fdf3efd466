#!/usr/bin/env bash
# Benchmark: one `patrol fly` following 200 simulated drones at 10 Hz each on this machine
# without dropping a frame, and the CPU it needs.
#
#   bench/telemetry/follow_200.sh [--drones N] [--rate-hz HZ] [--duration S] [--port P] [--work DIR]
#
# Builds `patrol` in release (-j 1; a private copy runs, so a rebuild by someone else does
# not change the binary under test), plans the bundled area (missions/cumberland, a one-hour
# shift), starts `patrol fly --sorties 0 --rate-hz HZ --duration S` on udpin:127.0.0.1:P (it
# only follows: no uploads), then `patrol sim --drones N` on udpout to it, stopping 10 s
# before fly does so that fly sees everything the simulator sent. Measured:
#   - frames: sent by the simulator ("stopped: N frames sent") vs received by fly ("link 0:
#     N frames in"), fly's count of frames lost by sequence gaps, and the kernel's UDP
#     receive-buffer drops (/proc/net/snmp RcvbufErrors, whole machine) during the run;
#   - rates: per vehicle, GLOBAL_POSITION_INT and ATTITUDE per second in fly's tlogs over
#     the steady window (all vehicles heard, streams set up);
#   - CPU: utime+stime from /proc/PID/stat of fly and of the simulator over the steady
#     window, divided by its wall time (= cores used), and over fly's whole life; what the
#     rest of the machine used meanwhile (/proc/stat), to tell a busy machine.
# Writes bench/results/telemetry-follow.md; logs, plan and run directory stay in the work
# directory (default: a new /tmp/patrol-follow.XXXXXX).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

drones=200
rate=10
duration=60
port=""
work=""
while [ $# -gt 0 ]; do
    case "$1" in
        --drones) drones="$2"; shift 2 ;;
        --rate-hz) rate="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --work) work="$2"; shift 2 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "follow_200.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ "$duration" -lt 40 ]; then
    echo "follow_200.sh: --duration must be at least 40 s (warm-up, a steady window, the tail)" >&2
    exit 2
fi
command="bench/telemetry/follow_200.sh --drones $drones --rate-hz $rate --duration $duration"
work="${work:-$(mktemp -d /tmp/patrol-follow.XXXXXX)}"
mkdir -p "$work" "$root/bench/results"
if [ -z "$port" ]; then
    port="$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
fi
sim_duration=$((duration - 10))   # the simulator stops first ...
warm=12                           # ... the steady window starts this long after it starts ...
tail_s=5                          # ... and ends this long before it stops
clk_tck="$(getconf CLK_TCK)"

echo "== build (cargo build --release -j 1)"
cargo build --release -j 1 --bin patrol
cp "$root/target/release/patrol" "$work/patrol"
patrol="$work/patrol"
bin_hash="$(sha256sum "$patrol" | cut -c1-12)"
src_rev="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
src_dirty="$(git -C "$root" status --porcelain -- telemetry/src src 2>/dev/null | wc -l)"

echo "== plan"
"$patrol" plan missions/cumberland -o "$work/plan" --shift 10:00-11:00 --time-limit 2 >"$work/plan.log" 2>&1

# utime+stime of a process, in clock ticks (fields 14 and 15; the name in field 2 may hold spaces).
ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'; }
# Busy and total jiffies of the whole machine (steal counted as not ours, not idle).
cpu_all() { awk '/^cpu /{busy=$2+$3+$4+$7+$8; total=busy+$5+$6+$9; print busy, total, $9}' /proc/stat; }
udp_rcvbuf() { awk '/^Udp:/{n++; if (n==2) print $6, $4}' /proc/net/snmp; }
now_ns() { date +%s%N; }

read -r rcvbuf0 inerr0 <<<"$(udp_rcvbuf)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "== fly: following on udpin:127.0.0.1:$port for $duration s at $rate Hz"
fly_start_ns="$(now_ns)"
"$patrol" fly --plan "$work/plan" --connect "udpin:127.0.0.1:$port" --run-dir "$work/run" \
    --sorties 0 --rate-hz "$rate" --duration "$duration" >"$work/fly.log" 2>&1 &
fly_pid=$!
# Wait until fly has opened its link (it prints "flying ..." after binding).
for _ in $(seq 1 600); do
    grep -q '^flying' "$work/fly.log" 2>/dev/null && break
    kill -0 "$fly_pid" 2>/dev/null || { echo "patrol fly exited early:"; cat "$work/fly.log"; exit 1; }
    sleep 0.1
done
grep -q '^flying' "$work/fly.log" || { echo "patrol fly did not start in 60 s"; kill "$fly_pid"; exit 1; }
fly_ready_ns="$(now_ns)"

echo "== sim: $drones drones on udpout:127.0.0.1:$port for $sim_duration s"
sim_start_ns="$(now_ns)"
"$patrol" sim --area missions/cumberland --drones "$drones" --connect "udpout:127.0.0.1:$port" \
    --duration "$sim_duration" >"$work/sim.log" 2>&1 &
sim_pid=$!

sleep "$warm"
a_ns="$(now_ns)"; a_fly="$(ticks "$fly_pid")"; a_sim="$(ticks "$sim_pid")"; read -r a_busy a_total a_steal <<<"$(cpu_all)"
sleep $((sim_duration - warm - tail_s))
b_ns="$(now_ns)"; b_fly="$(ticks "$fly_pid")"; b_sim="$(ticks "$sim_pid")"; read -r b_busy b_total b_steal <<<"$(cpu_all)"
echo "== steady window: $(( (b_ns - a_ns) / 1000000000 )) s; waiting for both to stop"

# Fly's whole life: keep its last reading before it exits; its peak memory too.
last_fly="$b_fly"; last_ns="$b_ns"; fly_hwm=""
while kill -0 "$fly_pid" 2>/dev/null; do
    t="$(ticks "$fly_pid" || true)"
    if [ -n "$t" ]; then
        last_fly="$t"; last_ns="$(now_ns)"
        fly_hwm="$(awk '/^VmHWM/{print $2}' "/proc/$fly_pid/status" 2>/dev/null || echo "$fly_hwm")"
    fi
    sleep 0.2
done
sim_rc=0; wait "$sim_pid" || sim_rc=$?
fly_rc=0; wait "$fly_pid" || fly_rc=$?
read -r rcvbuf1 inerr1 <<<"$(udp_rcvbuf)"
[ "$sim_rc" -eq 0 ] || { echo "patrol sim failed ($sim_rc):"; tail -20 "$work/sim.log"; exit 1; }
[ "$fly_rc" -eq 0 ] || { echo "patrol fly failed ($fly_rc):"; tail -20 "$work/fly.log"; exit 1; }

# What the two programs printed at exit.
sent="$(sed -n 's/^stopped: \([0-9]*\) frames sent.*/\1/p' "$work/sim.log" | tail -1)"
frames_in="$(sed -n 's/^ *link 0: \([0-9]*\) frames in.*/\1/p' "$work/fly.log" | tail -1)"
fly_out="$(sed -n 's/^ *link 0: .* \([0-9]*\) out,.*/\1/p' "$work/fly.log" | tail -1)"
sim_in="$(sed -n 's/^stopped: [0-9]* frames sent, \([0-9]*\) received.*/\1/p' "$work/sim.log" | tail -1)"
discarded="$(sed -n 's/^ *link 0: .* \([0-9]*\) discarded.*/\1/p' "$work/fly.log" | tail -1)"
gap_line="$(grep -m1 'frames lost by sequence gaps' "$work/fly.log" || true)"
lost="$(sed -n 's/.*frames lost by sequence gaps: \([0-9]*\).*/\1/p' <<<"$gap_line")"
vehicles="$(sed -n 's/.* over \([0-9]*\) vehicles.*/\1/p' <<<"$gap_line")"
if [ -z "$sent" ] || [ -z "$frames_in" ] || [ -z "$lost" ]; then
    echo "cannot read the counts from the logs in $work (sim.log, fly.log):"
    tail -5 "$work/sim.log" "$work/fly.log"
    exit 1
fi

# Per-vehicle rates in the steady window, from fly's tlogs (standard library only).
a_us=$((a_ns / 1000)); b_us=$((b_ns / 1000))
rates="$(python3 - "$work/run" "$a_us" "$b_us" "$rate" <<'EOF'
import glob, os, statistics, struct, sys
run, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
secs = (b - a) / 1e6
per = {33: [], 30: [], "all": []}
asked = float(sys.argv[4])
for path in sorted(glob.glob(os.path.join(run, "vehicle-*.tlog"))):
    data = open(path, "rb").read()
    n = {33: 0, 30: 0, "all": 0}
    i = 0
    while i + 8 + 8 <= len(data):
        (t,) = struct.unpack(">Q", data[i:i + 8])
        f = data[i + 8:]
        if f[0] == 0xFD:
            size = 12 + f[1] + (13 if f[2] & 1 else 0)
            sysid, msgid = f[5], f[7] | f[8] << 8 | f[9] << 16
        elif f[0] == 0xFE:
            size = 8 + f[1]
            sysid, msgid = f[3], f[5]
        else:
            i += 1
            continue
        if a <= t <= b and sysid != 255:
            n["all"] += 1
            if msgid in (33, 30):
                n[msgid] += 1
        i += 8 + size
    for k in per:
        per[k].append(n[k] / secs)
def fmt(v):
    return "%.2f / %.2f / %.2f" % (min(v), statistics.median(v), max(v)) if v else "- / - / -"
slow = sum(1 for r in per[33] if r < 0.9 * asked)
stuck = sum(1 for r in per[33] if r < 0.5 * asked)
print(len(per["all"]), fmt(per[33]), fmt(per[30]), fmt(per["all"]), "%.0f" % sum(per["all"]), slow, stuck, sep="|")
EOF
)"
IFS='|' read -r tlog_vehicles gpi_rates att_rates all_rates tlog_fps slow_vehicles stuck_vehicles <<<"$rates"

# Figures.
window_s="$(awk -v a="$a_ns" -v b="$b_ns" 'BEGIN{printf "%.1f", (b-a)/1e9}')"
cores() { awk -v d="$1" -v hz="$clk_tck" -v w="$2" 'BEGIN{printf "%.3f", d/hz/w}'; }
fly_cores="$(cores $((b_fly - a_fly)) "$window_s")"
sim_cores="$(cores $((b_sim - a_sim)) "$window_s")"
fly_life_s="$(awk -v a="$fly_start_ns" -v b="$last_ns" 'BEGIN{printf "%.1f", (b-a)/1e9}')"
fly_life_cores="$(cores "$last_fly" "$fly_life_s")"
fly_cpu_s="$(awk -v t="$last_fly" -v hz="$clk_tck" 'BEGIN{printf "%.1f", t/hz}')"
machine_cores="$(awk -v d=$((b_busy - a_busy)) -v hz="$clk_tck" -v w="$window_s" 'BEGIN{printf "%.2f", d/hz/w}')"
others_cores="$(awk -v m="$machine_cores" -v f="$fly_cores" -v s="$sim_cores" 'BEGIN{o=m-f-s; if (o<0) o=0; printf "%.2f", o}')"
steal_cores="$(awk -v d=$((b_steal - a_steal)) -v hz="$clk_tck" -v w="$window_s" 'BEGIN{printf "%.2f", d/hz/w}')"
sim_s="$(awk -v a="$sim_start_ns" -v b="$(now_ns)" 'BEGIN{printf "%.0f", (b-a)/1e9}')"
per_vehicle_expected="$(awk -v r="$rate" 'BEGIN{printf "%.1f", 3*r + 7.2}')"
expected_fps="$(awk -v r="$per_vehicle_expected" -v n="$drones" 'BEGIN{printf "%.0f", r*n}')"
diff_frames=$((frames_in - sent))
rcvbuf_drops=$((rcvbuf1 - rcvbuf0))
udp_inerr=$((inerr1 - inerr0))
if [ "$lost" -eq 0 ] && [ "$rcvbuf_drops" -eq 0 ]; then
    verdict="no frame dropped"
else
    verdict="frames dropped ($lost lost by sequence gaps, $rcvbuf_drops UDP receive-buffer drops)"
fi
busy_note=""
if awk -v o="$others_cores" 'BEGIN{exit !(o > 0.3)}'; then
    busy_note=" **The machine was busy**: other processes used $others_cores cores during the steady window."
fi
rmem_default="$(cat /proc/sys/net/core/rmem_default 2>/dev/null || echo '?')"
# How many 40-byte datagrams a default UDP receive buffer holds here (an unread socket fills).
rcvbuf_holds="$(python3 - <<'EOF'
import socket
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(("127.0.0.1", 0))
r.setblocking(False)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(20000):
    s.sendto(b"x" * 40, r.getsockname())
n = 0
while True:
    try:
        r.recv(100)
        n += 1
    except BlockingIOError:
        break
print(n)
EOF
)"
rcvbuf_ms="$(awk -v n="$rcvbuf_holds" -v f="$expected_fps" 'BEGIN{printf "%.0f", n/f*1000}')"

summary="fly: $frames_in frames in, sim: $sent sent (difference $diff_frames), $lost lost by sequence gaps over $vehicles vehicles, $rcvbuf_drops UDP receive-buffer drops; fly ${fly_cores} cores (steady), sim ${sim_cores} cores"
echo "== $summary"

nproc_n="$(nproc)"
cpu_model="$(awk -F': *' '/^model name/{print $2; exit}' /proc/cpuinfo)"
date_utc="$(date -u '+%Y-%m-%d %H:%M UTC')"
cat >"$root/bench/results/telemetry-follow.md" <<EOF
# Following $drones simulated drones at $rate Hz

\`$command\`, $date_utc; machine: $nproc_n CPUs, $cpu_model; load average before the run $load_before.
Binary: \`patrol\` built by \`cargo build --release -j 1\` at $src_rev ($src_dirty files changed under src/ and telemetry/src/), sha256 $bin_hash.

Target: one \`patrol fly\` following $drones simulated drones at $rate Hz each without dropping a frame, and the CPU it needs.
Measured: **$verdict**; fly used **$fly_cores cores** in the steady window ($window_s s).$busy_note

| | |
|---|---:|
| vehicles heard by fly (sequence statistics) | $vehicles |
| frames sent by the simulator (its exit line) | $sent |
| frames received by fly (link 0 frames in) | $frames_in |
| received - sent | $diff_frames |
| frames sent by fly / received by the simulator (commands, heartbeats) | ${fly_out:-?} / ${sim_in:-?} |
| frames lost by sequence gaps (fly) | $lost |
| frames discarded by fly's framing | ${discarded:-?} |
| UDP receive-buffer drops during the run (kernel, whole machine: fly's socket and the simulator's) | $rcvbuf_drops (UDP InErrors $udp_inerr) |
| vehicles with a tlog | $tlog_vehicles |
| GLOBAL_POSITION_INT per vehicle, Hz (min / median / max, steady window) | $gpi_rates |
| ATTITUDE per vehicle, Hz (min / median / max) | $att_rates |
| vehicles whose GLOBAL_POSITION_INT came at less than 90% of $rate Hz / less than half (the rate request not applied) | $slow_vehicles / $stuck_vehicles |
| all frames per vehicle, Hz (min / median / max; asked for: $per_vehicle_expected) | $all_rates |
| all frames, per second (steady window; expected $expected_fps) | $tlog_fps |
| fly CPU, steady window | $fly_cores cores |
| fly CPU, whole life (${fly_life_s} s, start-up and plan loading included) | $fly_cpu_s s = $fly_life_cores cores |
| fly peak memory (VmHWM) | ${fly_hwm:-?} kB |
| simulator CPU, steady window | $sim_cores cores |
| rest of the machine, steady window (steal: $steal_cores) | $others_cores cores |

How: \`patrol plan missions/cumberland --shift 10:00-11:00 --time-limit 2\`; \`patrol fly --plan PLAN --connect udpin:127.0.0.1:$port --run-dir RUN --sorties 0 --rate-hz $rate --duration $duration\` (asks every vehicle for GLOBAL_POSITION_INT, ATTITUDE and VFR_HUD at $rate Hz, the other streams at their defaults: $per_vehicle_expected frames a second a vehicle with the heartbeat); once fly had bound its port, \`patrol sim --area missions/cumberland --drones $drones --connect udpout:127.0.0.1:$port --duration $sim_duration\` (speed-up 1: the drones stand at their bases; each frame one datagram). The simulator stops 10 s before fly, so fly has everything it sent. Steady window: from $warm s after the simulator started (every vehicle heard, streams requested) to $tail_s s before it stopped. Cores = (utime + stime from /proc/PID/stat) / wall time. Per-vehicle rates come from fly's tlogs (frames from the vehicle, timestamped by fly, in the window).

Reading the counts: the simulator's "frames sent" counts frames handed to its link, read from a view it refreshes every 100 ms, before it stops; so it can trail the frames really sent by up to 100 ms of traffic (about $((expected_fps / 10)) frames), and received - sent may be positive without any loss. A frame lost on the way shows as a sequence gap in fly (per vehicle, MAVLink sequence numbers) and, when the socket buffer overflowed, as a kernel receive-buffer drop (fly's UDP socket has the system default receive buffer, net.core.rmem_default = $rmem_default bytes, which holds $rcvbuf_holds datagrams of 40 bytes here: $rcvbuf_ms ms of this traffic, so a stall of fly's receiving task longer than that drops frames).

Work directory (logs, plan, tlogs): $work
EOF
echo "written to bench/results/telemetry-follow.md (work directory: $work)"
