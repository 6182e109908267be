#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/mmbench.sh - mmbench over the named workloads and the real traces,
# libmm against the process's malloc (glibc, and jemalloc / mimalloc /
# tcmalloc through LD_PRELOAD when installed), run by `scons bench`.
#
#   $MM_RESULTS/mmbench/hyperfine/NAME.json   hyperfine --export-json, one per input
#   $MM_RESULTS/mmbench/json/NAME.ALLOC.json  one mmbench --json result per allocator
#                                         (--runs N --warmup: replay mean +- sd)
#   $MM_RESULTS/mmbench/json/NAME.libmm-prefault-none.json   kernel traces again with
#                                         prefault=none: host faults in the timings
#   $MM_RESULTS/mmbench/plots/*.png           libmm.plot pictures
#   $MM_RESULTS/README.md                     the tables and pictures between the
#                                         mmbench markers (bench/mmbench_report.py)
# MM_RESULTS (default build/results, untracked) is where everything goes;
# results/ keeps the curated figures, copied from there by hand.
# MMB_BENCH_RUNS (default 5) sets hyperfine's and mmbench's --runs;
# MMB_BENCH_INPUTS="a.mmw b.mmw" replaces the list of inputs.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mmb=${MMBENCH:-$top/build/release/bin/mmbench}
py=${PYTHON:-/usr/bin/python3}
runs=${MMB_BENCH_RUNS:-5}
out=${MM_RESULTS:-build/results}/mmbench
mkdir -p "$out/hyperfine" "$out/json" "$out/plots"

libdir=/usr/lib/x86_64-linux-gnu
allocs=()
for a in jemalloc:libjemalloc.so.2 mimalloc:libmimalloc.so.2 tcmalloc:libtcmalloc_minimal.so.4; do
    if [[ -e $libdir/${a#*:} ]]; then allocs+=("${a%%:*}=$libdir/${a#*:}"); fi
done

if [[ -n ${MMB_BENCH_INPUTS:-} ]]; then read -r -a inputs <<< "$MMB_BENCH_INPUTS"
else inputs=(workloads/*.mmw workloads/traces/*.mtrace.* workloads/traces/*.perf.*); fi
for w in "${inputs[@]}"; do
    name=$(basename "$w"); name=${name%%.*}
    args=(-N --warmup 1 --runs "$runs" --export-json "$out/hyperfine/$name.json" --style basic
          -n libmm "$mmb run $w --quiet"
          -n glibc "$mmb run $w --quiet --backend malloc")
    for a in "${allocs[@]}"; do
        args+=(-n "${a%%=*}" "env LD_PRELOAD=${a#*=} $mmb run $w --quiet --backend malloc")
    done
    echo "== $name"
    hyperfine "${args[@]}" | grep -E '^(Benchmark|  Time)' || true
    multi=(--quiet --runs "$runs" --warmup)
    "$mmb" run "$w" "${multi[@]}" --json "$out/json/$name.libmm.json"
    "$mmb" run "$w" "${multi[@]}" --backend malloc --json "$out/json/$name.glibc.json"
    for a in "${allocs[@]}"; do
        LD_PRELOAD=${a#*=} "$mmb" run "$w" "${multi[@]}" --backend malloc \
            --json "$out/json/$name.${a%%=*}.json"
    done
    if [[ $w == *.perf.* ]]; then
        "$mmb" run "$w" "${multi[@]}" --machine prefault=none \
            --json "$out/json/$name.libmm-prefault-none.json"
    fi
done
"$py" bench/mmbench_report.py
