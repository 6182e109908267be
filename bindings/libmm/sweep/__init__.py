# SPDX-License-Identifier: GPL-2.0-only
"""libmm.sweep - parameter sweeps of mmbench runs, on this machine or a Dask cluster.

    import libmm.sweep
    df = libmm.sweep.run(["workloads/towards_oom.mmw"], grid={"pcp": ["on", "off"]},
                         seeds=[1, 2, 3], runs=2, out="sweep-out")

or from a shell: ``python3 -m libmm.sweep --workload W --grid pcp=on,off
--seeds 1,2,3 --runs 2 --out sweep-out`` (``--help`` lists the rest).

Every point - workload x grid combination x seed x run - is one ``mmbench
run`` subprocess (task.py), so a crash is that point's error row.  Points run
on a local pool (``workers`` mmbench processes at a time, default the CPU
count) or, with ``scheduler``, on a Dask distributed cluster (engines.py).
The result is a pandas DataFrame, one row a point in spec order: the point
id, workload, one column per grid key, seed, run, status ("ok"/"error"),
error, the metrics of mmbench's JSON (task.metrics), and where it came from
(the machine's full config, mmbench's git revision and variant, host, exit
code, wall time).  With ``out`` the run is resumable and the table, JSON
lines and summary plots are written there (store.py, plots.py).

Columns that are timings or figures of the host (TIMING_COLUMNS, mmbench's
``host.*`` and ``runs.replay_*``, any ``ns_`` latency) differ between two
runs of the same sweep; ``comparable(df)`` drops them, and what is left is
the same wherever and however the sweep ran.  DEFAULT_METRICS are the
columns summary_plots() draws unless told otherwise.

Modules: spec (what to run), task (one point; all a Dask worker imports),
engines (local pool, Dask), store (output directory), plots.
"""
import datetime
import os
import sys
import time

from . import engines, store
from .plots import DEFAULT_METRICS, summary_plots
from .spec import Point, Spec, parse_grid, parse_list, parse_seeds, parse_set
from .task import find_mmbench, metrics, run_point

__all__ = ["run", "load", "comparable", "table", "Spec", "Point", "find_mmbench",
           "run_point", "metrics", "summary_plots", "parse_grid", "parse_set",
           "parse_seeds", "parse_list", "DEFAULT_METRICS", "TIMING_COLUMNS"]

SUMMARY_COLUMNS = ["ops_total", "failed_total", "unusable_index", "slab_pages",
                   "elapsed_s", "parse_s", "replay_s"]
TAIL_COLUMNS = ["format", "machine_config", "git", "variant", "exit_code", "host", "wall_s"]
TIMING_COLUMNS = ["elapsed_s", "parse_s", "replay_s", "wall_s", "host",
                  "memory.host_rss_peak_kib"]
HOST_PREFIXES = ("host.", "runs.replay_")     # mmbench's host figures, replay times


def _lead(grid_keys):
    return ["point", "workload"] + list(grid_keys) + ["seed", "run", "status", "error"]


def table(rows, grid_keys):
    """The DataFrame of sweep rows (dicts), columns in the documented order."""
    import pandas as pd

    lead = _lead(grid_keys)
    fixed = set(lead) | set(SUMMARY_COLUMNS) | set(TAIL_COLUMNS)
    rest = list(dict.fromkeys(k for r in rows for k in r if k not in fixed))
    df = pd.DataFrame(rows, columns=lead + SUMMARY_COLUMNS + rest + TAIL_COLUMNS)
    for c in df.columns:            # counts stay integers where some rows lack them
        values = [r[c] for r in rows if r.get(c) is not None]
        if values and df[c].dtype != object and \
                all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            df[c] = df[c].astype("Int64")
    return df


def comparable(df):
    """df without the columns that differ from run to run (timings, host)."""
    drop = [c for c in df.columns
            if c in TIMING_COLUMNS or c.startswith(HOST_PREFIXES) or ".ns_" in c]
    return df.drop(columns=drop).reset_index(drop=True)


def _row(point, result):
    row = {"point": point.id, "workload": point.workload}
    row.update(point.grid)
    row.update(result["row"])
    row["seed"] = point.seed if point.seed is not None else row.get("seed")
    row["run"] = point.run
    return row


def _reporter(progress):
    if callable(progress):
        return progress
    if not progress:
        return lambda *a: None

    def report(done, total, point, row):
        what = "ok" if row["status"] == "ok" else "ERROR " + (row.get("error") or "")
        print("[%d/%d] %s: %s (%.2fs)" % (done, total, point.label(), what,
                                          row.get("wall_s") or 0.0),
              file=sys.stderr, flush=True)
    return report


def run(workloads=(), grid=None, seeds=None, runs=1, *, sets=None, timeout=None, spec=None,
        workers=None, scheduler=None, shared=False, out=None, mmbench=None,
        plots=True, metrics=DEFAULT_METRICS, progress=False):
    """Runs a sweep; returns its table (pandas DataFrame, see the module text).

    workloads: files (shell patterns expanded); grid: {machine key: [values]};
    seeds: list (None = each workload's own seed); runs: repetitions of every
    point; sets: {key: value} or ["KEY=VALUE"] applied to every point;
    timeout: seconds a point may take.  Or spec=Spec(...) for all of these.
    workers: concurrent points (default the CPU count; with scheduler="local"
    the LocalCluster's worker processes); scheduler: None (local pool), "local"
    (a Dask LocalCluster), an address, or a distributed.Client; shared: Dask
    workers read the workload paths instead of receiving the files.  out: the
    output directory (resumable; table, JSON lines, plots); mmbench: the
    binary (default: find_mmbench()).  progress: True prints a line per point
    to stderr, or a callable(done, total, point, row).  df.attrs["sweep"]
    says how it ran."""
    if spec is None:
        spec = Spec(list(workloads), grid or {}, seeds, runs, sets or {}, timeout)
    spec.check()
    clash = set(spec.grid) & (set(SUMMARY_COLUMNS + TAIL_COLUMNS) | {"point", "workload", "run",
                                                                      "status", "error"})
    if clash:
        raise ValueError("grid key(s) %s clash with table columns" % ", ".join(sorted(clash)))
    workers = len(os.sched_getaffinity(0)) if workers is None else int(workers)
    if workers < 1:
        raise ValueError("workers: at least 1")
    if scheduler is None:           # Dask workers each find their own (task.find_mmbench)
        mmbench = find_mmbench(mmbench)
    points = spec.points()
    od = store.OutDir(out) if out is not None else None
    if od:
        od.lock()
    try:
        return _run(spec, points, od, workers, scheduler, shared, mmbench, plots, metrics,
                    progress)
    finally:
        if od:
            od.unlock()


def _run(spec, points, od, workers, scheduler, shared, mmbench, plots, metrics, progress):
    rows = od.done() if od else {}
    todo = [p for p in points if p.id not in rows]
    report = _reporter(progress)
    meta = {"spec": spec.as_dict(), "engine": "local" if scheduler is None else "dask",
            "scheduler": None if scheduler is None else str(scheduler),
            "workers": workers, "shared": bool(shared), "mmbench": mmbench,
            "points": len(points), "skipped": len(points) - len(todo),
            "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}
    closers = []
    try:
        if scheduler is None or not todo:
            results = engines.local(todo, workers, mmbench)
        else:
            t0 = time.monotonic()
            client, closers = engines.connect(scheduler, workers)
            meta["connect_s"] = round(time.monotonic() - t0, 3)
            results = engines.dask(todo, client, mmbench, shared)
        t0 = time.monotonic()
        for n, (point, result) in enumerate(results, 1):
            row = _row(point, result)
            if od:
                od.record(row, result["doc_gz"])
            rows[point.id] = row
            report(n, len(todo), point, row)
    finally:
        for c in closers:
            c.close()
    meta["run_s"] = round(time.monotonic() - t0, 3)
    df = table([rows[p.id] for p in points], list(spec.grid))
    meta["ran"] = len(todo)
    meta["point_ids"] = [p.id for p in points]
    meta["failed"] = int((df["status"] != "ok").sum())
    if od:
        meta["table"] = od.write_table(df)
        meta["plots"] = summary_plots(df, spec.grid, od.file("plots"), metrics) if plots else []
        od.write_meta(meta)
    df.attrs["sweep"] = meta
    return df


def load(out):
    """The table of an output directory, as its last run() returned it
    (from the journal; the workload files need not be there)."""
    import json

    od = store.OutDir(out)
    with open(od.file("sweep.json")) as f:
        meta = json.load(f)
    rows = od.rows()
    df = table([rows[i] for i in meta["point_ids"] if i in rows], list(meta["spec"]["grid"]))
    df.attrs["sweep"] = meta
    return df
