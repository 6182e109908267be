# SPDX-License-Identifier: GPL-2.0-only
"""The command line of ``python3 -m libmm.sweep``: options -> Spec -> run().

Exit status: 0 every point ok, 1 the table is written but some points
failed (their rows say why), 2 usage errors (bad option, missing file, bad
spec file, no mmbench).  EPILOG is the text --help prints after the options.
"""
import argparse
import sys

from . import DEFAULT_METRICS, run
from .spec import Spec, parse_grid, parse_seeds, parse_set

EPILOG = """\
Each point (workload x grid combination x seed x run) is one
`mmbench run WORKLOAD --quiet --json - --set KEY=VALUE... --seed N`; the grid
keys are machine keys merged into the workload's machine line.  --grid values
are separated by commas, or by semicolons when a value holds a comma.  Points
already finished in --out are skipped: re-run the same command to resume or
to add points.  --spec FILE (TOML or JSON) gives the same fields as the
options (workloads, grid, seeds, runs, sets, timeout); options add to it.
Exit status: 0 every point ok, 1 some failed (their rows say why), 2 usage.

examples:
  python3 -m libmm.sweep --workload 'workloads/traces/*.xz' --grid pcp=on,off \\
      --seeds 1,2,3,4,5 --out sweep-out
  python3 -m libmm.sweep --workload w.mmw --grid slub_sheaves=0,1 --runs 15 \\
      --scheduler tcp://head:8786 --out sweep-out
"""


def _parser():
    ap = argparse.ArgumentParser(
        prog="python3 -m libmm.sweep", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run mmbench over workloads x machine-key grid x seeds x runs; "
                    "collect one table (CSV, JSON lines) and summary plots.")
    ap.add_argument("--workload", "-w", action="append", default=[], metavar="W",
                    help="workload or trace file, or a shell pattern (repeatable)")
    ap.add_argument("--grid", "-g", action="append", default=[], metavar="KEY=V1,V2",
                    help="machine key and its values (repeatable: the cross product)")
    ap.add_argument("--seeds", metavar="1,2,...",
                    help="machine seeds (default: each workload's own)")
    ap.add_argument("--runs", type=int, metavar="N", help="runs of every point (default 1)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                    help="machine key for every point (repeatable)")
    ap.add_argument("--timeout", type=float, metavar="S",
                    help="seconds a point may run before it is killed (an error row)")
    ap.add_argument("--spec", metavar="FILE", help="sweep spec, TOML or JSON")
    ap.add_argument("--workers", "-j", type=int, metavar="N",
                    help="points at once (default: the CPU count); with --scheduler local "
                         "the LocalCluster's worker processes")
    ap.add_argument("--scheduler", metavar="ADDRESS|local",
                    help="run on a Dask cluster (tcp://host:8786) or a LocalCluster (local)")
    ap.add_argument("--shared", action="store_true",
                    help="Dask workers read the workload paths (a shared file system) "
                         "instead of receiving the files")
    ap.add_argument("--out", "-o", required=True, metavar="DIR",
                    help="output directory: results.csv, results.jsonl, plots/, and what "
                         "makes a re-run resume")
    ap.add_argument("--mmbench", metavar="PATH",
                    help="the mmbench binary (default: $MMBENCH, the one beside the libmm "
                         "package, or mmbench on $PATH)")
    ap.add_argument("--metric", action="append", metavar="COLUMN",
                    help="table column to plot against each grid key (repeatable; "
                         "default: %s)" % ", ".join(DEFAULT_METRICS))
    ap.add_argument("--no-plots", action="store_true", help="write no plots")
    ap.add_argument("--quiet", "-q", action="store_true", help="no line per point")
    return ap


def spec_from_args(a):
    """The Spec of parsed options (ValueError/OSError on bad input)."""
    spec = Spec.from_file(a.spec) if a.spec else Spec()
    grid = dict(spec.grid)
    for word in a.grid:
        key, values = parse_grid(word)
        if key in grid and not a.spec:
            raise ValueError("--grid %s given twice" % key)
        grid[key] = values
    sets = dict(spec.sets)
    sets.update(parse_set(w) for w in a.sets)
    return Spec(workloads=spec.workloads + a.workload, grid=grid,
                seeds=parse_seeds(a.seeds) if a.seeds else spec.seeds,
                runs=a.runs if a.runs is not None else spec.runs, sets=sets,
                timeout=a.timeout if a.timeout is not None else spec.timeout)


def main(argv=None):
    """python3 -m libmm.sweep with argv (default sys.argv[1:]): runs the
    sweep, prints where the table and plots went, returns the exit status."""
    ap = _parser()
    a = ap.parse_args(argv)
    try:
        spec = spec_from_args(a)
        spec.check()
        df = run(spec=spec, workers=a.workers, scheduler=a.scheduler, shared=a.shared,
                 out=a.out, mmbench=a.mmbench, plots=not a.no_plots,
                 metrics=a.metric or DEFAULT_METRICS, progress=not a.quiet)
    except (ValueError, OSError) as e:
        print("libmm.sweep: %s" % e, file=sys.stderr)
        return 2
    meta = df.attrs["sweep"]
    where = ("local pool, %d workers" % meta["workers"] if meta["engine"] == "local"
             else "Dask %s" % meta["scheduler"])
    print("sweep: %d points (%d run now, %d already done), %d failed, %.1f s (%s)"
          % (meta["points"], meta["ran"], meta["skipped"], meta["failed"], meta["run_s"], where))
    print("table: %s" % meta["table"])
    for p in meta["plots"]:
        print("plot:  %s" % p)
    return 1 if meta["failed"] else 0
