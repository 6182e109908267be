# SPDX-License-Identifier: GPL-2.0-only
"""One sweep point, on whichever machine runs it.

``run_point`` finds mmbench, gets the input (the workload's path, or bytes
shipped with the task, written once per host into a cache directory under
the temporary directory), runs it through libmm.mmbench.run (``mmbench run
INPUT --quiet --json - --set KEY=VALUE... [--seed N]`` in a session of its
own) and returns a result: the table row (``metrics`` of the JSON, or the
error) and the JSON document itself, gzip-compressed as the output directory
keeps it (compressed where the point ran, so that the one process collecting
results neither re-encodes nor receives 200 KB a point).  Nothing here
raises for a failed point: a crash, a signal, a non-zero exit, a timeout or
unreadable output becomes a row with ``status`` "error" and an ``error``
text, so one bad point never takes the sweep down.

This module runs inside the local pool's threads and inside Dask workers:
it needs only the standard library (and the libmm package importable).
"""
import gzip
import hashlib
import json
import os
import socket
import subprocess
import tempfile
import time

from .. import mmbench as _mmbench


def find_mmbench(explicit=None):
    """libmm.mmbench.binary(explicit), naming the sweep's option when there
    is none."""
    try:
        return _mmbench.binary(explicit)
    except FileNotFoundError as e:
        if explicit:
            raise
        raise FileNotFoundError("%s; give --mmbench PATH" % e) from None


_materialized = {}      # (name, digest) -> path, the files this process wrote or checked


def materialize(name, digest, data):
    """A local file holding data (a shipped input), named like the original so
    that mmbench guesses its format and decompressor from the name.  The
    bytes are checked against the digest once a process and input, not once a
    point."""
    path = _materialized.get((name, digest))
    if path is not None and os.path.exists(path):
        return path
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
    _materialized[(name, digest)] = path
    return path


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
    for section in ("memory", "host", "input", "runs"):     # their numbers and words
        for k, v in (doc.get(section) or {}).items():
            if not isinstance(v, (dict, list)):
                row["%s.%s" % (section, k)] = v
    row.update(seed=doc.get("seed"), format=doc.get("format"),
               machine_config=doc.get("machine_config"), git=doc.get("git"),
               variant=doc.get("variant"))
    return row


def _tail(text, lines=3, limit=600):
    kept = [l for l in text.strip().splitlines() if l.strip()][-lines:]
    return " | ".join(kept)[-limit:]


def run_point(point, path=None, data=None, mmbench=None):
    """Runs one point; returns {"id", "row", "doc_gz"}: doc_gz the mmbench
    JSON, gzip-compressed bytes (None on failure).

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
        text = _mmbench.run(path or point.workload, sets=point.machine_sets(),
                            seed=point.seed, timeout=point.timeout, exe=exe, raw=True)
        row["exit_code"] = 0
        try:
            row.update(metrics(json.loads(text)))
            row["status"] = "ok"
            doc = gzip.compress(text, compresslevel=6, mtime=0)
        except (TypeError, AttributeError) as e:        # JSON, but not mmbench's
            row["error"] = "unreadable mmbench JSON: %s" % e
    except _mmbench.MmbenchError as e:
        tail = _tail(e.stderr)
        row["exit_code"] = e.returncode
        row["error"] = e.status + (": " + tail if tail else "")
    except json.JSONDecodeError as e:
        row["exit_code"] = 0
        row["error"] = "unreadable mmbench JSON: %s" % e
    except subprocess.TimeoutExpired:
        row["error"] = "timeout: mmbench ran longer than %gs (killed)" % point.timeout
    except Exception as e:      # noqa: BLE001 - whatever it is, it is this point's error row
        row["error"] = "%s: %s" % (type(e).__name__, e)
    row["wall_s"] = round(time.monotonic() - t0, 6)
    return {"id": point.id, "row": row, "doc_gz": doc}
