"""libmm.mmbench - run mmbench from Python; its JSON result comes back as a dict.

    from libmm import mmbench
    doc = mmbench.run("workloads/traces/python_json.mtrace.xz", runs=5, warmup=True)
    doc["replay_s"], doc["runs"]["replay_stddev_s"], doc["ops"]["kmalloc"]["ns_p50"]
    doc["host"]["minflt"], doc["memory"]["live_bytes_peak"]
    jemalloc = mmbench.run(trace, backend="malloc",
                           preload="/usr/lib/x86_64-linux-gnu/libjemalloc.so.2")

Everything mmbench's command line offers is a keyword (``machine``, ``fmt``,
``backend``, ``seed``, ``threads``, ``runs``, ``warmup``, ``timeline``,
``validate``, ``label``, ``csv`` - a directory for the CSV tables); the input is a path (plain, .xz, .gz, .zst) or bytes (the
text itself, fed through stdin; give ``fmt`` unless it is a workload).  Long inputs stream: memory stays bounded.  The
binary is $MMBENCH, else the one built or installed next to this package,
else ``mmbench`` on PATH.  A run that fails raises MmbenchError with the exit
status and mmbench's own message (FILE:LINE: ...).
"""
import json
import os
import shutil
import subprocess

__all__ = ["run", "diff", "binary", "MmbenchError"]


class MmbenchError(RuntimeError):
    """mmbench exited non-zero: .returncode (1 invalid input, 2 usage, 3
    validate found corruption) and .stderr."""

    def __init__(self, returncode, stderr):
        super().__init__("mmbench exited %d: %s" % (returncode, stderr.strip()))
        self.returncode = returncode
        self.stderr = stderr


def binary():
    """Path of the mmbench executable to run."""
    env = os.environ.get("MMBENCH")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for rel in ("../../bin/mmbench",               # build/V/python/libmm -> build/V/bin
                "../../../../bin/mmbench"):         # PREFIX/lib/python3/dist-packages/libmm
        path = os.path.normpath(os.path.join(here, rel))
        if os.access(path, os.X_OK):
            return path
    path = shutil.which("mmbench")
    if not path:
        raise FileNotFoundError("mmbench not found (set $MMBENCH)")
    return path


def run(workload, *, machine=None, fmt=None, backend="libmm", seed=None, threads=False,
        runs=1, warmup=False, timeline=None, validate=False, preload=None, timeout=None,
        label=None, csv=None):
    """Runs ``mmbench run`` on workload (a path, or bytes: the text itself)
    and returns the result (schema mmbench/1) as a dict."""
    args = [binary(), "run"]
    text = None
    if isinstance(workload, (bytes, bytearray)):
        text = bytes(workload)
        args.append("-")
    else:
        args.append(os.fspath(workload))
    args += ["--quiet", "--json", "-", "--backend", backend]
    if machine is not None:
        args += ["--machine", machine]
    if fmt is not None:
        args += ["--format", fmt]
    if seed is not None:
        args += ["--seed", str(int(seed))]
    if threads:
        args.append("--threads")
    if runs != 1:
        args += ["--runs", str(int(runs))]
    if warmup:
        args.append("--warmup")
    if timeline is not None:
        args += ["--timeline", str(int(timeline))]
    if validate:
        args.append("--validate")
    if label is not None:
        args += ["--label", str(label)]
    if csv is not None:
        args += ["--csv", os.fspath(csv)]
    env = dict(os.environ)
    if preload:
        env["LD_PRELOAD"] = preload
    p = subprocess.run(args, input=text, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=timeout)
    if p.returncode:
        raise MmbenchError(p.returncode, p.stderr.decode(errors="replace"))
    return json.loads(p.stdout)


def diff(*results, timeout=None):
    """``mmbench diff`` of two or more result files (paths); the diff
    (schema mmbench-diff/1) as a dict: "runs" (file, heading,
    machine_config) and "rows" (section, path, values, change against the
    first)."""
    args = [binary(), "diff"] + [os.fspath(r) for r in results] + ["--json", "-"]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if p.returncode:
        raise MmbenchError(p.returncode, p.stderr.decode(errors="replace"))
    return json.loads(p.stdout)
