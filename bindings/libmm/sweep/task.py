"""One sweep point, on whichever machine runs it.

``run_point`` finds mmbench, gets the input (the workload's path, or bytes
shipped with the task, written once per host into a cache directory under
the temporary directory), runs ``mmbench run INPUT --quiet --json - --set
KEY=VALUE... [--seed N]`` as a subprocess and returns a result: the table
row (``metrics`` of the JSON, or the error) and the JSON document itself.
Nothing here raises for a failed point: a crash, a signal, a non-zero exit,
a timeout or unreadable output becomes a row with ``status`` "error" and an
``error`` text, so one bad point never takes the sweep down.

This module runs inside the local pool's threads and inside Dask workers:
it needs only the standard library (and the libmm package importable).
"""
import hashlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_running = set()            # process groups of the mmbench runs of this process
_running_lock = threading.Lock()


def find_mmbench(explicit=None):
    """Path of the mmbench binary: ``explicit``, else $MMBENCH, else the one
    beside this package (build/V/bin of a build tree, PREFIX/bin of
    ``scons install``), else mmbench on $PATH.  FileNotFoundError if none."""
    if explicit:
        path = os.path.abspath(os.path.expanduser(explicit))
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        raise FileNotFoundError("mmbench %r: no such executable" % explicit)
    candidates = [os.environ.get("MMBENCH"),
                  os.path.join(_PKG, "..", "..", "bin", "mmbench"),               # build/V/python/libmm
                  os.path.join(_PKG, "..", "..", "..", "..", "bin", "mmbench")]   # PREFIX/lib/python3/dist-packages/libmm
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    import shutil
    found = shutil.which("mmbench")
    if found:
        return found
    raise FileNotFoundError("mmbench not found: not in $MMBENCH, not beside the libmm package "
                            "(%s), not on $PATH; give --mmbench PATH" % _PKG)


def materialize(name, digest, data):
    """A local file holding data (a shipped input), named like the original so
    that mmbench guesses its format and decompressor from the name."""
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError("shipped input %s does not match its digest" % name)
    d = os.path.join(tempfile.gettempdir(), "libmm-sweep-%d" % os.getuid(), digest[:16])
    path = os.path.join(d, os.path.basename(name))
    if not os.path.exists(path):
        os.makedirs(d, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return path


def command(mmbench, path, point):
    cmd = [mmbench, "run", path, "--quiet", "--json", "-"]
    for word in point.machine_sets():
        cmd += ["--set", word]
    if point.seed is not None:
        cmd += ["--seed", str(point.seed)]
    return cmd


def _unusable_index(zones, order):
    """The kernel's unusable free space index at `order` over every zone's
    free pages together: the share of free pages in blocks below the order."""
    total = usable = 0
    for z in zones:
        for o, n in enumerate(z.get("buddyinfo", [])):
            total += n << o
            if o >= order:
                usable += n << o
    return (total - usable) / total if total else 0.0


def metrics(doc):
    """The table's columns of one mmbench JSON result (schema mmbench/1)."""
    ops = doc.get("ops") or {}
    zones = doc.get("zones") or []
    machine = doc.get("machine") or {}
    row = {
        "ops_total": doc.get("ops_total"),
        "failed_total": sum(st.get("failed", 0) for st in ops.values()),
        "unusable_index": _unusable_index(zones, machine.get("pageblock_order", 0)),
        "slab_pages": sum(s.get("num_slabs", 0) * s.get("pagesperslab", 0)
                          for s in doc.get("slab") or []),
        "elapsed_s": doc.get("elapsed_s"),
        "parse_s": doc.get("parse_s"),
        "replay_s": doc.get("replay_s"),
    }
    for op, st in ops.items():
        for k in ("count", "failed", "ns_mean", "ns_p50", "ns_p99"):
            row["%s.%s" % (op, k)] = st.get(k)
    for k, v in (doc.get("vmstat") or {}).items():
        row["vmstat." + k] = v
    row.update(seed=doc.get("seed"), format=doc.get("format"),
               machine_config=doc.get("machine_config"), git=doc.get("git"),
               variant=doc.get("variant"))
    return row


def _tail(text, lines=3, limit=600):
    kept = [l for l in text.strip().splitlines() if l.strip()][-lines:]
    return " | ".join(kept)[-limit:]


def _failure(proc):
    if proc.returncode < 0:
        try:
            name = signal.Signals(-proc.returncode).name
        except ValueError:
            name = "signal %d" % -proc.returncode
        why = "mmbench killed by %s" % name
    else:
        why = "mmbench exit %d" % proc.returncode
    tail = _tail(proc.stderr)
    return why + (": " + tail if tail else "")


def _run(cmd, timeout):
    """subprocess.run in a session of its own: on timeout the whole process
    group (mmbench and any decompressor it started) is killed."""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as p:
        with _running_lock:
            _running.add(p.pid)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            raise
        finally:
            with _running_lock:
                _running.discard(p.pid)
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def kill_running():
    """Kills every mmbench this process is running (a sweep that stops early)."""
    with _running_lock:
        groups = list(_running)
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_point(point, path=None, data=None, mmbench=None):
    """Runs one point; returns {"id", "row", "doc"} (doc None on failure).

    path: the input file on this host (default: the point's workload name);
    data: its bytes, shipped with the task (written to a local cache first)."""
    t0 = time.monotonic()
    row = {"status": "error", "error": None, "exit_code": None,
           "host": socket.gethostname(), "wall_s": None}
    doc = None
    try:
        exe = find_mmbench(mmbench)
        if data is not None:
            path = materialize(point.workload, point.digest, data)
        proc = _run(command(exe, path or point.workload, point), point.timeout)
        row["exit_code"] = proc.returncode
        if proc.returncode:
            row["error"] = _failure(proc)
        else:
            try:
                doc = json.loads(proc.stdout)
                row.update(metrics(doc))
                row["status"] = "ok"
            except (ValueError, TypeError, AttributeError) as e:
                doc = None
                row["error"] = "unreadable mmbench JSON: %s" % e
    except subprocess.TimeoutExpired:
        row["error"] = "timeout: mmbench ran longer than %gs (killed)" % point.timeout
    except Exception as e:      # noqa: BLE001 - whatever it is, it is this point's error row
        row["error"] = "%s: %s" % (type(e).__name__, e)
    row["wall_s"] = round(time.monotonic() - t0, 6)
    return {"id": point.id, "row": row, "doc": doc}
