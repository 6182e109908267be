# SPDX-License-Identifier: GPL-2.0-only
"""libmm.mmbench - run mmbench from Python; its JSON result comes back as a dict.

    from libmm import mmbench
    doc = mmbench.run("workloads/traces/python_json.mtrace.xz", runs=5, warmup=True)
    doc["replay_s"], doc["runs"]["replay_stddev_s"], doc["ops"]["kmalloc"]["ns_p50"]
    doc["host"]["minflt"], doc["memory"]["live_bytes_peak"]
    jemalloc = mmbench.run(trace, backend="malloc",
                           preload="/usr/lib/x86_64-linux-gnu/libjemalloc.so.2")
    nosheaf = mmbench.run("workloads/towards_oom.mmw", sets={"slub_sheaves": 0})

Everything mmbench's command line offers is a keyword (``machine``, ``sets``,
``fmt``, ``backend``, ``seed``, ``threads``, ``runs``, ``warmup``,
``timeline``, ``validate``, ``label``, ``csv`` - a directory for the CSV
tables); the input is a path (plain, .xz, .gz, .zst) or
bytes (the text itself, fed through stdin; give ``fmt`` unless it is a
workload).  Long inputs stream: memory stays bounded.  The binary is ``exe``,
else $MMBENCH, else the one built or installed next to this package, else
``mmbench`` on PATH (``binary()``).  A run that fails raises MmbenchError
with the exit status and mmbench's own message (FILE:LINE: ...).
``diff(a, b, ...)`` returns ``mmbench diff --json`` of result files.

mmbench runs in a session of its own: a timeout (subprocess.TimeoutExpired),
an exception or Ctrl-C in the caller, or ``kill_running()`` from another
thread kills its whole process group.  This module is the one way libmm's
Python code runs mmbench (libmm.sweep's points too); it needs only the
standard library.
"""
import json
import os
import shutil
import signal
import subprocess
import threading

__all__ = ["run", "diff", "binary", "kill_running", "MmbenchError"]

_PKG = os.path.dirname(os.path.abspath(__file__))
_running = set()            # process groups of the mmbench runs in progress
_running_lock = threading.Lock()


def _exit_text(returncode):
    """What an exit status says: "mmbench exited 2", "mmbench killed by SIGSEGV"."""
    if returncode >= 0:
        return "mmbench exited %d" % returncode
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = "signal %d" % -returncode
    return "mmbench killed by %s" % name


class MmbenchError(RuntimeError):
    """mmbench failed: .returncode (1 invalid input, 2 usage, 3 validate found
    corruption; negative: killed by that signal), .stderr, and .status (the
    exit status in words, see exit_text)."""

    def __init__(self, returncode, stderr):
        self.returncode = returncode
        self.stderr = stderr
        self.status = _exit_text(returncode)
        message = stderr.strip()
        super().__init__(self.status + (": " + message if message else ""))


def binary(explicit=None):
    """Path of the mmbench executable to run: explicit (which must be one),
    else $MMBENCH, else the one beside this package (build/V/bin of a build
    tree, PREFIX/bin of ``scons install``), else mmbench on $PATH.
    FileNotFoundError if there is none."""
    if explicit:
        path = os.path.abspath(os.path.expanduser(os.fspath(explicit)))
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        raise FileNotFoundError("mmbench %r: no such executable" % os.fspath(explicit))
    env = os.environ.get("MMBENCH")
    if env:
        return env
    for rel in ("../../bin/mmbench",               # build/V/python/libmm -> build/V/bin
                "../../../../bin/mmbench"):         # PREFIX/lib/python3*/*-packages/libmm
        path = os.path.normpath(os.path.join(_PKG, rel))
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    path = shutil.which("mmbench")
    if not path:
        raise FileNotFoundError("mmbench not found: not in $MMBENCH, not beside the libmm "
                                "package (%s), not on $PATH" % _PKG)
    return path


def _set_words(sets):
    """--set words from {key: value} or ["KEY=VALUE", ...]."""
    if hasattr(sets, "items"):
        return ["%s=%s" % (k, int(v) if isinstance(v, bool) else v) for k, v in sets.items()]
    return [str(w) for w in sets]


def _killpg(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _communicate(args, text, env, timeout):
    """(returncode, stdout, stderr) of args run in a session of its own; on
    any exception (a timeout included) its process group is killed first."""
    with subprocess.Popen(args, stdin=subprocess.DEVNULL if text is None else subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          start_new_session=True) as p:
        with _running_lock:
            _running.add(p.pid)
        try:
            out, err = p.communicate(text, timeout=timeout)
        except BaseException:
            _killpg(p.pid)
            p.communicate()
            raise
        finally:
            with _running_lock:
                _running.discard(p.pid)
    return p.returncode, out, err


def kill_running():
    """Kills every mmbench that run() is running in this process (for a
    caller whose threads wait on several and that stops early)."""
    with _running_lock:
        groups = list(_running)
    for pgid in groups:
        _killpg(pgid)


def run(workload, *, machine=None, sets=None, fmt=None, backend="libmm", seed=None,
        threads=False, runs=1, warmup=False, timeline=None, validate=False, preload=None,
        timeout=None, exe=None, label=None, csv=None, raw=False):
    """Runs ``mmbench run`` on workload (a path, or bytes: the text itself)
    and returns the result (schema mmbench/1) as a dict (raw=True: the JSON
    text as mmbench wrote it, bytes, unparsed).  sets: {key: value}
    or ["KEY=VALUE", ...], each a --set (merged into the workload's machine
    line or ``machine``; ``seed`` comes after them); exe: the binary (default
    binary()).  Raises MmbenchError, subprocess.TimeoutExpired after timeout
    seconds, ValueError when the output is not JSON."""
    args = [binary(exe), "run"]
    text = None
    if isinstance(workload, (bytes, bytearray)):
        text = bytes(workload)
        args.append("-")
    else:
        args.append(os.fspath(workload))
    args += ["--quiet", "--json", "-", "--backend", backend]
    if machine is not None:
        args += ["--machine", machine]
    for word in _set_words(sets or ()):
        args += ["--set", word]
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
    returncode, out, err = _communicate(args, text, env, timeout)
    if returncode:
        raise MmbenchError(returncode, err.decode(errors="replace"))
    return out if raw else json.loads(out)


def diff(*results, timeout=None, exe=None):
    """``mmbench diff`` of two or more result files (paths); the diff
    (schema mmbench-diff/1) as a dict: "runs" (file, heading,
    machine_config) and "rows" (section, path, values, change against the
    first)."""
    args = [binary(exe), "diff"] + [os.fspath(r) for r in results] + ["--json", "-"]
    returncode, out, err = _communicate(args, None, dict(os.environ), timeout)
    if returncode:
        raise MmbenchError(returncode, err.decode(errors="replace"))
    return json.loads(out)
