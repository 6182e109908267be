# SPDX-License-Identifier: GPL-2.0-only
"""Helpers for the mmbench suites: running the binary, the JSON schema of
mmbench's JSON output (a small JSON-schema-like checker: no jsonschema package needed), and
stripping what may differ between two runs of the same workload.
"""
import json
import os
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MMBENCH = os.environ.get("MMBENCH") or os.path.join(TOP, "build", "release", "bin", "mmbench")
WORKLOADS = os.path.join(TOP, "workloads")
TRACES = os.path.join(WORKLOADS, "traces")


def run(*args, input_text=None, check=None, env=None, timeout=600):
    """Runs mmbench; returns the CompletedProcess (text)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([MMBENCH] + [str(a) for a in args], input=input_text,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=e, timeout=timeout)
    if check is not None:
        assert p.returncode == check, (p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    return p


def run_json(tmp_path, workload, *args, name="out.json", **kw):
    out = tmp_path / name
    run("run", workload, "--quiet", "--json", out, *args, check=kw.pop("check", 0), **kw)
    with open(out) as f:
        return json.load(f)


def write(tmp_path, text, name="w.mmw"):
    p = tmp_path / name
    p.write_text(text)
    return p


def dump_ops(path, *args):
    """The parsed program (--dump-ops): list of (line, kind, fields dict), summary dict."""
    p = run("run", path, "--dump-ops", *args, check=0)
    ops, summary = [], {}
    for line in p.stdout.splitlines():
        if line.startswith("# "):
            summary = dict(kv.split("=") for kv in line[2:].split())
            continue
        words = line.split()
        fields = dict(w.split("=", 1) for w in words[2:] if "=" in w)
        if words[1] == "cpu":
            fields = {"cpu": words[2]}
        ops.append((int(words[0]), words[1], fields))
    return ops, {k: int(v) for k, v in summary.items()}


# ---- determinism ------------------------------------------------------------

# process addresses in the library's report (vary with ASLR)
ADDRESS_KEYS = {("vmalloc", "start"), ("vmalloc", "end")}


def strip_timing(obj, parent=None):
    """obj without what depends on the host: timing members (keys ending in
    _s or starting with ns_), host measurements (keys starting with host) and
    process addresses."""
    if isinstance(obj, dict):
        return {k: strip_timing(v, k) for k, v in obj.items()
                if not (k.endswith("_s") or k.startswith("ns_") or k.startswith("host")
                        or (parent, k) in ADDRESS_KEYS)}
    if isinstance(obj, list):
        return [strip_timing(v, parent) for v in obj]
    return obj


# ---- schema -------------------------------------------------------------------
#
# A schema is a Python value: a type (int, float, str, bool, type(None)), a
# tuple of alternatives, a list [item_schema] (array of items), a dict
# {key: schema} (object; keys ending in "?" are optional; extra keys are
# allowed), or a callable returning an error string or None.

NUM = (int, float)
OP_NAMES = ["alloc_pages", "free_pages", "kmalloc", "krealloc", "kfree", "cache_create",
            "cache_alloc", "cache_free", "cache_destroy", "vmalloc", "vfree",
            "fault", "unmap", "pin", "unpin", "compact"]
OP_STAT = {"count": int, "failed": int, "skipped": int, "ns_mean": NUM, "ns_p50": NUM,
           "ns_p90": NUM, "ns_p99": NUM, "ns_p999": NUM, "ns_cdf": [[NUM]]}


def _ops(value):
    if not isinstance(value, dict):
        return "ops: not an object"
    for k, v in value.items():
        if k not in OP_NAMES:
            return "ops: unknown operation %r" % k
        err = check(v, OP_STAT, "ops." + k)
        if err:
            return err
        if v["failed"] + v["skipped"] > v["count"]:
            return "ops.%s: failed + skipped > count" % k
        if not v["ns_p50"] <= v["ns_p99"] <= v["ns_p999"] + 1e-9:
            return "ops.%s: quantiles out of order" % k
    return None


def _zone_name(v):
    return None if v in ("DMA", "DMA32", "NORMAL", "MOVABLE") else "bad zone %r" % (v,)


ZONE = {"node": int, "zone": _zone_name, "name": str, "free": int, "managed": int,
        "watermarks": {"min": int, "low": int, "high": int}, "buddyinfo": [int],
        "unusable_index": [NUM], "extfrag_index": [NUM], "lowmem_reserve": [int]}
TIMELINE_ZONE = {"node": int, "zone": _zone_name, "free": int, "buddyinfo": [int],
                 "unusable_index": [NUM]}
HOST = {"minflt": int, "majflt": int, "rss_peak_kib": int, "rss_start_kib": int,
        "rss_replay_peak_kib": int, "fault_s": NUM,
        "ns_per_fault": NUM, "prefault_pageblocks": int, "prefault_minflt": int,
        "prefault_s": NUM}
MEMORY = {"live_bytes_end": int, "live_bytes_peak": int, "host_rss_peak_kib": int,
          "used_pages_peak?": int, "slab_pages_peak?": int, "pcp_pages_peak?": int}
RUNS = {"count": int, "warmup": bool, "replay_mean_s": NUM, "replay_stddev_s": NUM,
        "replay_runs_s": [NUM],
        "ops": lambda v: None if isinstance(v, dict) and all(
            set(o) == {"ns_p50_runs", "ns_p99_runs", "ns_mean_runs"} for o in v.values())
        else "runs.ops"}
RESULT = {
    "schema": lambda v: None if v == "mmbench/1" else "schema %r" % (v,),
    "workload": str, "format": lambda v: None if v in ("mmw", "mtrace", "perf") else "format",
    "backend": lambda v: None if v in ("libmm", "malloc") else "backend",
    "malloc": str, "variant": str, "git": str, "seed": int, "threads": bool,
    "machine_config": (str, type(None)),
    "elapsed_s": NUM, "parse_s": NUM, "replay_s": NUM, "lines": int, "ops_total": int,
    "ops": _ops,
    "import": {"events": int, "skipped_free": int, "null_free": int, "batched_dup": int,
               "ignored": int, "failed_realloc": int, "caches": int, "user_pages": int},
    "validate": (str, type(None)),
    "input": {"codec": lambda v: None if v in ("text", "xz", "gzip", "zstd") else "codec",
              "streamed": bool},
    "memory": MEMORY, "host": HOST, "runs?": RUNS,
    "timeline": [{"op": int, "t_s": NUM, "live_bytes": int, "host_rss_kib": int,
                  "slab_pages?": int, "pcp_pages?": int, "zones": [TIMELINE_ZONE],
                  "compaction?": dict}],
    "machine": (dict, type(None)),
    "zones?": [ZONE], "pcp?": (list, dict), "vmstat?": dict, "slab?": [dict],
    "vmalloc?": dict, "config?": str, "report_schema?": str, "compaction?": [dict],
}


def check(value, schema, path="$"):
    """None if value matches schema, else a message naming the first mismatch."""
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            return "%s: expected an object" % path
        for key, sub in schema.items():
            optional = key.endswith("?")
            key = key.rstrip("?")
            if key not in value:
                if optional:
                    continue
                return "%s: missing %r" % (path, key)
            err = check(value[key], sub, path + "." + key)
            if err:
                return err
        return None
    if isinstance(schema, list):
        if not isinstance(value, list):
            return "%s: expected an array" % path
        for i, v in enumerate(value):
            err = check(v, schema[0], "%s[%d]" % (path, i))
            if err:
                return err
        return None
    if isinstance(schema, tuple):
        errs = [check(value, s, path) for s in schema]
        return None if any(e is None for e in errs) else errs[0]
    if isinstance(schema, type):
        if schema is float and isinstance(value, int) and not isinstance(value, bool):
            return None
        if schema is int and isinstance(value, bool):
            return "%s: expected int, got bool" % path
        return None if isinstance(value, schema) else "%s: expected %s, got %r" % (
            path, schema.__name__, value)
    err = schema(value)
    return "%s: %s" % (path, err) if err else None


def check_result(doc):
    """Schema plus cross-field rules of a mmbench/1 result."""
    err = check(doc, RESULT)
    if err:
        return err
    if doc["backend"] == "libmm" and "zones" not in doc:
        return "$: libmm result without zones"
    if sum(v["count"] for v in doc["ops"].values()) != doc["ops_total"]:
        return "$.ops_total: not the sum of ops counts"
    ops = [s["op"] for s in doc["timeline"]]
    if ops != sorted(ops):
        return "$.timeline: op counts not increasing"
    if doc["memory"]["live_bytes_peak"] < doc["memory"]["live_bytes_end"]:
        return "$.memory: live bytes at the end above the peak"
    if "runs" in doc and len(doc["runs"]["replay_runs_s"]) != doc["runs"]["count"]:
        return "$.runs: replay_runs_s is not one per run"
    return None
