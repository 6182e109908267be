# SPDX-License-Identifier: GPL-2.0-only
"""bench/sweep_scaling.py - how libmm.sweep scales from 1 to 2 workers.

The sweep: every checked-in trace (workloads/traces/*.xz) x pcp=on,off x
seeds 1..5 (50 mmbench runs when results/ was measured with five traces; 70
with the seven checked in now), exactly as a user types it:

    python3 -m libmm.sweep --workload 'workloads/traces/*.xz' --grid pcp=on,off \
        --seeds 1,2,3,4,5 --workers N [--scheduler local] --out DIR

run on the local pool and on a Dask LocalCluster with 1 and 2 workers, a
fresh output directory each time, REPS rounds (env SWEEP_REPS, default 3)
interleaved so that a change of load on the machine hits both sides.  Time is
the sweep's own run_s (from the first point handed out to the last result;
the LocalCluster's start-up is reported apart as connect_s) and the whole
command's wall time.  Speed-up = time(1 worker) / time(2 workers), median
over the rounds.  Printed with each run: the load average before it, and
"others", the CPUs other processes kept busy meanwhile (machine busy time from
/proc/stat minus the sweep's own CPU time, over the wall time): other jobs on
the machine's two cores lower the speed-up.

Also checks that the local and Dask tables are equal (libmm.sweep.comparable),
prints the table of docs/benchmarks.md (per trace and pcp value) and copies the last
2-worker local table and its plots to $MM_RESULTS/sweep/.
Output: a text report on stdout ($MM_RESULTS/sweep_scaling.txt under
`scons bench`) and $MM_RESULTS/sweep_scaling.json.
"""
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build", "release"))
SWEEP = ["--workload", "workloads/traces/*.xz", "--grid", "pcp=on,off", "--seeds", "1,2,3,4,5"]
REPS = int(os.environ.get("SWEEP_REPS", "3"))


def busy_cpu_s():
    """CPU seconds the whole machine has been busy (all CPUs, /proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def own_cpu_s():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def sweep(out, workers, dask):
    env = dict(os.environ, PYTHONPATH=os.path.join(BUILD, "python"),
               MMBENCH=os.path.join(BUILD, "bin", "mmbench"))
    cmd = [sys.executable, "-m", "libmm.sweep"] + SWEEP + \
        ["--workers", str(workers), "--out", out, "-q", "--no-plots"] + \
        (["--scheduler", "local"] if dask else [])
    load = os.getloadavg()[0]
    busy0, own0, t0 = busy_cpu_s(), own_cpu_s(), time.monotonic()
    p = subprocess.run(cmd, cwd=TOP, env=env, stdout=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    others = max(0.0, (busy_cpu_s() - busy0) - (own_cpu_s() - own0)) / wall
    if p.returncode:
        sys.exit("sweep failed (exit %d): %s\n%s" % (p.returncode, " ".join(cmd), p.stdout))
    with open(os.path.join(out, "sweep.json")) as f:
        meta = json.load(f)
    return {"engine": "dask" if dask else "local", "workers": workers, "load": load,
            "others": round(others, 2), "run_s": meta["run_s"],
            "connect_s": meta.get("connect_s", 0.0), "wall_s": round(wall, 3)}


def markdown_table(df):
    """Per trace and pcp value: the counted results and the replay time."""
    lines = ["| trace | pcp | ops | failed | pcp_alloc_hit | pgalloc_extfrag | slab pages "
             "| unusable index | replay ms (mean ± sd) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for (w, pcp), g in df.groupby(["workload", "pcp"], sort=False):
        lines.append("| %s | %s | %d | %d | %d | %d | %d | %.4f | %.1f ± %.1f |" % (
            os.path.basename(w), pcp, g["ops_total"].iloc[0], g["failed_total"].iloc[0],
            g["vmstat.pcp_alloc_hit"].iloc[0], g["vmstat.pgalloc_extfrag"].iloc[0],
            g["slab_pages"].iloc[0], g["unusable_index"].iloc[0],
            1e3 * g["replay_s"].mean(), 1e3 * g["replay_s"].std()))
    return "\n".join(lines)


def main():
    sys.path.insert(0, os.path.join(BUILD, "python"))
    import libmm.sweep

    tmp = tempfile.mkdtemp(prefix="sweep-scaling-")
    runs = []
    print("sweep: python3 -m libmm.sweep %s --workers N [--scheduler local]"
          % " ".join("'%s'" % w if "*" in w else w for w in SWEEP))
    print("%-4s %-6s %7s %6s %7s %8s %10s %8s" % ("rep", "engine", "workers", "load", "others",
                                                  "run_s", "connect_s", "wall_s"))
    for rep in range(REPS):
        for dask in (False, True):
            for workers in (1, 2):
                out = os.path.join(tmp, "%s-%d-%d" % ("dask" if dask else "local", workers, rep))
                r = sweep(out, workers, dask)
                r["rep"] = rep
                runs.append(r)
                print("%-4d %-6s %7d %6.2f %7.2f %8.2f %10.2f %8.2f" % (
                    rep, r["engine"], workers, r["load"], r["others"], r["run_s"],
                    r["connect_s"], r["wall_s"]), flush=True)
    summary = {}
    for engine in ("local", "dask"):
        for what in ("run_s", "wall_s"):
            ratios = [next(r[what] for r in runs if r["engine"] == engine and r["rep"] == rep
                           and r["workers"] == 1) /
                      next(r[what] for r in runs if r["engine"] == engine and r["rep"] == rep
                           and r["workers"] == 2) for rep in range(REPS)]
            summary["%s_%s_speedup" % (engine, what)] = round(statistics.median(ratios), 3)
            print("%-5s speed-up 1 -> 2 workers (%s): median %.2fx  (rounds: %s)" % (
                engine, what, statistics.median(ratios),
                ", ".join("%.2f" % x for x in ratios)))
    last = REPS - 1
    local = libmm.sweep.load(os.path.join(tmp, "local-2-%d" % last))
    dask = libmm.sweep.load(os.path.join(tmp, "dask-2-%d" % last))
    equal = libmm.sweep.comparable(local).equals(libmm.sweep.comparable(dask))
    summary["tables_equal"] = bool(equal)
    summary["points"] = len(local)
    summary["failed"] = int((local["status"] != "ok").sum())
    print("local and Dask tables equal (apart from timings and host): %s; %d points, %d failed"
          % ("yes" if equal else "NO", len(local), summary["failed"]))
    print()
    print(markdown_table(local))
    # docs/benchmarks.md's table and plots: the last 2-worker local sweep, plotted
    res = os.environ.get("MM_RESULTS", os.path.join(TOP, "build", "results"))
    dest = os.path.join(res, "sweep")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    shutil.copy(os.path.join(tmp, "local-2-%d" % last, "results.csv"), dest)
    libmm.sweep.summary_plots(local, {"pcp": ["on", "off"]}, os.path.join(dest, "plots"))
    with open(os.path.join(res, "sweep_scaling.json"), "w") as f:
        json.dump({"command": "python3 -m libmm.sweep " + " ".join(SWEEP),
                   "cpus": os.cpu_count(), "runs": runs, "summary": summary}, f, indent=1)
        f.write("\n")
    shutil.rmtree(tmp)
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
