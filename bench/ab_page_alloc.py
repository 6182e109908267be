#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""ab_page_alloc.py - two builds of bench_page_alloc side by side: before
and after a change to the page allocator.

    bench/ab_page_alloc.py [--rounds R] [--callgrind] BASE_BIN NEW_BIN

For each mode (pcp, buddy0, buddy3, buddy9) every round runs both binaries
(`bench_page_alloc count MODE N`, pinned to CPU 1, the order alternating
between rounds) and reads the CPU time the process used (`perf stat -e
task-clock`: time on the CPU, so being preempted by other jobs does not
count); a run with N = 1 measures the setup (boot, teardown), which is
subtracted.  Printed: ns per alloc+free pair (median) of each build and
the median and interquartile range of the per-round ratio NEW / BASE - the
figure to read on a shared machine, where whole runs drift by 10-20%.
--callgrind adds instructions per pair of both (N vs 2N pairs, as
bench/callgrind_page_alloc.sh).

To build the base: `git archive REV | tar -x -C /tmp/base && cd /tmp/base
&& scons -j2 build/release/bin/bench_page_alloc`.
"""
import argparse
import statistics as st
import subprocess

MODES = {"pcp": 5_000_000, "buddy0": 2_000_000, "buddy3": 2_000_000, "buddy9": 2_000_000}


def task_clock_ms(binary, mode, n):
    r = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock", "taskset", "-c", "1",
                        binary, "count", mode, str(n)], capture_output=True, text=True,
                       check=True)
    line = next(l for l in r.stderr.splitlines() if "task-clock" in l)
    return float(line.split(",")[0])


def instructions(binary, mode, n):
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                        binary, "count", mode, str(n)], capture_output=True, text=True,
                       check=True)
    line = next(l for l in r.stderr.splitlines() if "Collected :" in l)
    return int(line.split("Collected :")[1].split()[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=31)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("base")
    ap.add_argument("new")
    a = ap.parse_args()
    bins = [a.base, a.new]
    print(f"ns per alloc+free pair (CPU time, setup subtracted; {a.rounds} rounds, "
          "both builds in each)")
    print(f"  {'mode':7s} {'base':>8s} {'new':>8s}  new/base median (IQR)"
          + ("   instructions base -> new" if a.callgrind else ""))
    for mode, n in MODES.items():
        setup = {b: [] for b in bins}
        ms = {b: [] for b in bins}
        for r in range(a.rounds):
            for b in bins if r % 2 == 0 else bins[::-1]:
                setup[b].append(task_clock_ms(b, mode, 1))
                ms[b].append(task_clock_ms(b, mode, n))
        ns = {b: [(x - st.median(setup[b])) * 1e6 / n for x in ms[b]] for b in bins}
        ratios = [y / x for x, y in zip(ns[a.base], ns[a.new])]
        q = st.quantiles(ratios, n=4)
        line = (f"  {mode:7s} {st.median(ns[a.base]):8.2f} {st.median(ns[a.new]):8.2f}  "
                f"{st.median(ratios):.3f} ({q[0]:.3f}-{q[2]:.3f})")
        if a.callgrind:
            per = [(instructions(b, mode, 200_000) - instructions(b, mode, 100_000)) // 100_000
                   for b in bins]
            line += f"   {per[0]} -> {per[1]} ({per[1] / per[0] - 1:+.1%})"
        print(line, flush=True)


if __name__ == "__main__":
    main()
