#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/bigtrace.sh - a trace of any length in bounded memory: mmbench
# replays a generated 50M-event glibc mtrace (workloads/gen/bigtrace.py,
# zstd-compressed, made under build/bench/ when missing: not checked in) on
# one core, end to end (read + decompress + parse + replay), run by
# `scons bench`.
#
#   $MM_RESULTS/bigtrace.json   the mmbench result plus wall/CPU time, events/s,
#                           peak RSS against the machine's populated memory
# Targets: >= 5 M events/s end to end; peak RSS <= 256 MiB + populated memory.
# MMB_BIG_EVENTS (default 50000000) sets the trace's length.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mmb=${MMBENCH:-$top/build/release/bin/mmbench}
py=${PYTHON:-/usr/bin/python3}
events=${MMB_BIG_EVENTS:-50000000}
dir=build/bench
trace=$dir/big-$events.mtrace.zst
res=${MM_RESULTS:-build/results}
mkdir -p "$dir" "$res"

if [[ ! -s $trace ]]; then
    echo "== generating $trace ($events events)"
    "$py" workloads/gen/bigtrace.py --events "$events" | zstd -1 -q -T1 -o "$trace.tmp"
    mv "$trace.tmp" "$trace"
fi
echo "== mmbench run $trace"
TIMEFORMAT='%R %U %S'
{ time "$mmb" run "$trace" --quiet --progress 30 --json "$dir/big.json" ; } 2> "$dir/big.time"
read -r wall user sys < <(tail -1 "$dir/big.time")
"$py" - "$dir/big.json" "$wall" "$user" "$sys" "$trace" "$events" <<'EOF'
import json, os, sys
doc = json.load(open(sys.argv[1]))
wall, user, sys_ = (float(x) for x in sys.argv[2:5])
events = doc["lines"]                   # the generated events plus "= Start" and "= End"
pf = doc["machine"]["prefault"]
# populated simulated RAM, plus the struct pages of the max-order blocks around it
populated = pf["bytes"] * (1 + 64 / 4096)
rss = doc["host"]["rss_peak_kib"] * 1024
out = {
    "trace": os.path.basename(sys.argv[5]), "trace_bytes": os.path.getsize(sys.argv[5]),
    "generated_events": int(sys.argv[6]), "events": events, "ops": doc["ops_total"], "wall_s": wall, "cpu_s": user + sys_,
    "events_per_s": events / wall, "events_per_cpu_s": events / (user + sys_),
    "parse_s": doc["parse_s"], "replay_s": doc["replay_s"],
    "prefault_s": doc["host"]["prefault_s"], "rss_peak_mib": rss / 2 ** 20,
    "populated_mib": populated / 2 ** 20, "rss_beyond_populated_mib": (rss - populated) / 2 ** 20,
    "live_bytes_peak_mib": doc["memory"]["live_bytes_peak"] / 2 ** 20,
    "host_minflt_in_ops": doc["host"]["minflt"], "machine": doc["machine_config"],
}
json.dump(out, open(os.environ.get("MM_RESULTS", "build/results") + "/bigtrace.json", "w"), indent=2)
print("%d events (%d operations) from %s (%.0f MB zstd), one core:" % (
    events, out["ops"], out["trace"], out["trace_bytes"] / 1e6))
print("  end to end %.2f s wall, %.2f s CPU: %.2f M events/s (%.2f M per CPU second); "
      "target >= 5" % (wall, out["cpu_s"], out["events_per_s"] / 1e6,
                       out["events_per_cpu_s"] / 1e6))
print("  parse (read, zstd, mtrace) %.2f s, replay %.2f s, populating %.2f s" % (
    out["parse_s"], out["replay_s"], out["prefault_s"]))
print("  peak RSS %.0f MiB = %.0f MiB populated simulated RAM + %.0f MiB (target <= 256); "
      "%.0f MiB requested bytes live at most" % (out["rss_peak_mib"], out["populated_mib"],
                                                out["rss_beyond_populated_mib"],
                                                out["live_bytes_peak_mib"]))
EOF
