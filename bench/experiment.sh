#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/experiment.sh - the worked example of README's "Experiments"
# section, regenerated into results/experiment/:
#   1. a real trace (the kernel's kmem events of tar over /usr/include)
#      under two configs - the per-CPU page lists on (the default) and off -
#      their diff (diff.txt, diff.json) and the overlay plots;
#   2. workloads/pageblock_pollution.mmw with page_owner=1: the pageblock
#      census, its map, and page_owner / allocinfo excerpts;
#   3. attribution's cost: replay time with page_owner=0 and =1 on two real
#      traces (wall-time medians, the two alternating; callgrind instructions).
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/release/bin/mmbench
PY=/usr/bin/python3
out=results/experiment
mkdir -p "$out"
export PYTHONPATH=build/release/python
trace=workloads/traces/kernel_tar_usr_include.perf.xz

$B run $trace --quiet --timeline 50 --json "$out/tar_pcp_on.json"
$B run $trace --quiet --timeline 50 --set pcp=off --json "$out/tar_pcp_off.json"
$B diff "$out/tar_pcp_on.json" "$out/tar_pcp_off.json" --json "$out/diff.json" > "$out/diff.txt"
$PY -m libmm.plot "$out/tar_pcp_on.json" "$out/tar_pcp_off.json" -o "$out" --name tar > /dev/null

$B run workloads/pageblock_pollution.mmw --quiet --timeline 50 --json "$out/pollution.json" \
	--csv "$out/pollution_csv"
$PY -m libmm.plot "$out/pollution.json" -o "$out" --name pollution > /dev/null
$PY - "$out" <<'PYEOF'
import sys
from libmm import Machine
out = sys.argv[1]
# the same story through Python: every call site named by the calling line
with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="16M", page_owner=1) as m:
    cache = [m.alloc_pages(0, "GFP_HIGHUSER_MOVABLE", site="filemap_alloc_folio")
             for _ in range(3500)]
    for pfn in cache[::2]:
        m.free_pages(pfn)
    skbs = [m.kmalloc(1024, "GFP_ATOMIC", site="__alloc_skb") for _ in range(900)]
    with open(out + "/page_owner.txt", "w") as f:
        recs = m.text("page_owner").split("\n\n")
        slab = [r for r in recs if "allocate_slab" in r][:1]
        f.write("\n\n".join(recs[:2] + slab) + "\n")
    with open(out + "/allocinfo.txt", "w") as f:
        f.write(m.text("allocinfo"))
PYEOF

# wall time: page_owner=0 and =1 side by side in one loop (5 rounds of each,
# alternating, every round --runs 5 after a warm-up), medians of the 25
# replay times; the memory and the tag array populated with each pageblock
# (mmbench's default prefault=pageblock) are out of the timings
$PY - "$B" > "$out/attribution_cost.txt" <<'PYEOF'
import json, statistics, subprocess, sys
B = sys.argv[1]
def runs(t, po):
    out = subprocess.run([B, "run", "workloads/traces/" + t, "--set", "page_owner=%d" % po,
                          "--runs", "5", "--warmup", "--quiet", "--json", "-"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["runs"]["replay_runs_s"]
print("replay time, median of 25 runs each, off and on alternating (ms): "
      "page_owner=0, page_owner=1, ratio")
for t in ("kernel_tar_usr_include.perf.xz", "gcc_cc1.mtrace.xz"):
    off, on = [], []
    for _ in range(5):
        off += runs(t, 0)
        on += runs(t, 1)
    a, b = statistics.median(off) * 1e3, statistics.median(on) * 1e3
    print("%-34s %8.2f %8.2f %6.2fx" % (t, a, b, b / a))
PYEOF
{
	echo
	echo "instructions in the timed replay (callgrind; the breakdown pass excluded): page_owner=0, =1, ratio"
	for t in kernel_tar_usr_include.perf.xz gcc_cc1.mtrace.xz; do
		ins() {
			valgrind --tool=callgrind --toggle-collect=mmb_replay_chunk --callgrind-out-file="$out/.cg" \
				$B run workloads/traces/$t --set "page_owner=$1" --quiet --timeline 0 > /dev/null 2>&1
			callgrind_annotate --inclusive=yes "$out/.cg" 2> /dev/null | $PY -c '
import re, sys
total = span = 0
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) .*(PROGRAM TOTALS|mmb_bd_span \[)", line)
    if m:
        v = int(m.group(1).replace(",", ""))
        if "TOTALS" in line:
            total = v
        else:
            span = v
print(total - span)'
		}
		off=$(ins 0); on=$(ins 1)
		$PY -c "print('%-34s %11d %11d %6.2fx' % ('$t', $off, $on, $on / $off))"
	done
	rm -f "$out/.cg"
} >> "$out/attribution_cost.txt"
cat "$out/attribution_cost.txt"
