# SPDX-License-Identifier: GPL-2.0-only
"""mmbench end to end: a replay leaves the machine exactly as the same
operations through the Python API do (buddyinfo, slabinfo); two runs are
identical apart from timings; --threads with cross-CPU frees ends
validate-clean; the JSON matches the schema; the malloc backend replays the
same stream; the named workloads are what their specs generate.
"""
import glob
import json
import os
import subprocess
import sys

import pytest

from libmm import Machine
from mmbench_util import (TOP, WORKLOADS, check_result, run, run_json, strip_timing,
                          write)

CONFIG = "cpus=2 nodes=1 DMA=16M DMA32=64M NORMAL=128M seed=3"
NAMED = sorted(glob.glob(os.path.join(WORKLOADS, "*.mmw")))


def lcg(seed):
    x = seed
    while True:
        x = (x * 6364136223846793005 + 1442695040888963407) & ((1 << 64) - 1)
        yield x >> 33


def random_ops(seed, n=3000):
    """A flat random workload: (cpu, op, handle, arg) tuples, frees often on
    the other CPU."""
    rnd = lcg(seed)
    live, ops, nid = {}, [], 0
    ops.append((0, "cache_create", "objs", 200))
    for _ in range(n):
        r = next(rnd)
        cpu = r % 2
        if live and r % 7 < 3:
            h = sorted(live)[next(rnd) % len(live)]
            kind, arg = live.pop(h)
            ops.append((next(rnd) % 2, {"alloc_pages": "free_pages", "kmalloc": "kfree",
                                        "cache_alloc": "cache_free", "vmalloc": "vfree"}[kind],
                        h, arg))
            continue
        nid += 1
        h = "h%d" % nid
        pick = next(rnd) % 10
        if pick < 4:
            kind, arg = "alloc_pages", next(rnd) % 4
        elif pick < 7:
            kind, arg = "kmalloc", 8 + next(rnd) % 3000
        elif pick < 9:
            kind, arg = "cache_alloc", "objs"
        else:
            kind, arg = "vmalloc", 4096 * (1 + next(rnd) % 16)
        live[h] = (kind, arg)
        ops.append((cpu, kind, h, arg))
        if kind == "kmalloc" and next(rnd) % 5 == 0:
            ops.append((cpu, "krealloc", h, arg * 2))
    return ops


def to_mmw(ops):
    out, cur = ["machine " + CONFIG], 0
    for cpu, kind, h, arg in ops:
        if cpu != cur:
            out.append("cpu %d" % cpu)
            cur = cpu
        if kind == "cache_create":
            out.append("cache_create %s %d" % (h, arg))
        elif kind in ("alloc_pages", "kmalloc", "krealloc", "cache_alloc", "vmalloc"):
            out.append("%s %s %s" % (kind, h, arg))
        else:
            out.append("%s %s" % (kind, h))
    return "\n".join(out) + "\n"


def run_python(ops, tick=0):
    m = Machine(**dict(kv.split("=") for kv in CONFIG.split()))
    objs, caches = {}, {}
    for n, (cpu, kind, h, arg) in enumerate(ops, 1):
        if tick and n > 1 and (n - 1) % tick == 0:
            m.tick()
        if kind == "cache_create":
            caches[h] = m.kmem_cache_create(h, arg)
        elif kind == "alloc_pages":
            objs[h] = (m.alloc_pages(order=arg, gfp="GFP_KERNEL", cpu=cpu), arg)
        elif kind == "free_pages":
            m.free_pages(objs[h][0], order=objs.pop(h)[1], cpu=cpu)
        elif kind == "kmalloc":
            objs[h] = m.kmalloc(arg, cpu=cpu)
        elif kind == "krealloc":
            objs[h] = m.krealloc(objs[h], arg, cpu=cpu)
        elif kind == "kfree":
            m.kfree(objs.pop(h), cpu=cpu)
        elif kind == "cache_alloc":
            objs[h] = caches[arg].alloc(cpu=cpu)
        elif kind == "cache_free":
            caches["objs"].free(objs.pop(h), cpu=cpu)
        elif kind == "vmalloc":
            objs[h] = m.vmalloc(arg, cpu=cpu)
        elif kind == "vfree":
            m.vfree(objs.pop(h), cpu=cpu)
    if tick and len(ops) % tick == 0:
        m.tick()
    return m


SLAB_KEYS = ("name", "active_objs", "num_objs", "num_slabs", "active_slabs")


@pytest.mark.parametrize("seed", [1, 2])
def test_replay_equals_python_api(tmp_path, seed):
    ops = random_ops(seed)
    doc = run_json(tmp_path, write(tmp_path, to_mmw(ops)), "--validate")
    assert doc["validate"] == "ok"
    assert all(v["failed"] == 0 for v in doc["ops"].values())
    m = run_python(ops)
    try:
        py = m.buddyinfo()
        got = {(z["node"], z["zone"]): z["buddyinfo"] for z in doc["zones"] if z["managed"]}
        assert got == {k: list(v) for k, v in py.items() if k in got}
        assert [z["free"] for z in doc["zones"]] == [z["free"] for z in m.zones]
        slab_py = sorted(tuple(r[k] for k in SLAB_KEYS) for r in m.slabinfo())
        slab_mm = sorted(tuple(r[k] for k in SLAB_KEYS) for r in doc["slab"])
        assert slab_mm == slab_py
        m.validate()
    finally:
        m.close()


def test_two_runs_identical_apart_from_timings(tmp_path):
    w = os.path.join(WORKLOADS, "default.mmw")
    a = run_json(tmp_path, w, "--seed", "5", name="a.json")
    b = run_json(tmp_path, w, "--seed", "5", name="b.json")
    assert a["seed"] == 5 and "seed=5" in a["machine_config"]
    assert strip_timing(a) == strip_timing(b)
    assert a["timeline"] and len(a["timeline"]) > 50


def test_seed_and_machine_options(tmp_path):
    w = write(tmp_path, "machine cpus=2 NORMAL=64M seed=9\nkmalloc a 8\n")
    assert run_json(tmp_path, w)["seed"] == 9
    doc = run_json(tmp_path, w, "--machine", "cpus=3 NORMAL=32M")
    assert doc["machine"]["cpus"] == 3 and doc["seed"] == 1
    assert "seed=4" in run_json(tmp_path, w, "--seed", "4")["machine_config"].split()


CROSS = """\
machine cpus=4 DMA=16M DMA32=64M NORMAL=256M
cache_create objs 96
repeat 4000 {
  cpu 0
  kmalloc k$i 200
  alloc_pages p$i 1
  cache_alloc c$i objs
  cpu 1
  kfree k$i
  cpu 2
  free_pages p$i
  cpu 3
  cache_free c$i
  vmalloc v$i 8K
  cpu 1
  vfree v$i
}
cache_destroy objs
"""


def test_threads_cross_cpu_frees_validate(tmp_path):
    w = write(tmp_path, CROSS)
    for _ in range(2):
        doc = run_json(tmp_path, w, "--threads", "--validate")
        assert doc["threads"] is True and doc["validate"] == "ok"
        assert check_result(doc) is None
        counts = {k: (v["count"], v["failed"], v["skipped"]) for k, v in doc["ops"].items()}
        assert counts["kfree"] == (4000, 0, 0) and counts["cache_free"] == (4000, 0, 0)
        assert counts["free_pages"] == (4000, 0, 0) and counts["vfree"] == (4000, 0, 0)
        assert counts["cache_destroy"] == (1, 0, 0)
    seq = run_json(tmp_path, w, "--validate")
    assert strip_timing(seq["zones"]) != [] and seq["validate"] == "ok"


@pytest.mark.parametrize("path", NAMED, ids=os.path.basename)
def test_named_workloads_parse(path):
    text = open(path).read()
    assert text.startswith("# ") and len(text.split("\n#")[0]) > 40   # opening comment
    p = run("run", path, "--parse-only", check=0)
    assert " operations" in p.stdout


@pytest.mark.parametrize("name", ["default", "towards_oom"])
def test_named_workload_schema(tmp_path, name):
    doc = run_json(tmp_path, os.path.join(WORKLOADS, name + ".mmw"), "--validate")
    assert check_result(doc) is None
    assert doc["workload"].endswith(name + ".mmw") and doc["git"]
    z = doc["timeline"][-1]["zones"][0]
    assert len(z["unusable_index"]) == doc["machine"]["max_page_order"] + 1
    if name == "towards_oom":
        assert sum(v["failed"] for v in doc["ops"].values()) > 0


def test_generated_workloads_are_up_to_date():
    r = subprocess.run([sys.executable, os.path.join(WORKLOADS, "gen", "generate.py"),
                        "--check"], stdout=subprocess.PIPE, text=True)
    assert r.returncode == 0, r.stdout


def test_malloc_backend_same_stream(tmp_path):
    w = os.path.join(WORKLOADS, "default.mmw")
    a = run_json(tmp_path, w, name="a.json")
    b = run_json(tmp_path, w, "--backend", "malloc", name="b.json")
    assert check_result(b) is None
    pre = os.environ.get("LD_PRELOAD", "").split()
    expect = os.path.basename(pre[0]).split(".")[0][3:] if pre else "glibc"   # asan variant
    assert b["backend"] == "malloc" and b["malloc"] == expect and b["machine"] is None
    assert {k: v["count"] for k, v in a["ops"].items()} == \
        {k: v["count"] for k, v in b["ops"].items()}
    assert all(v["failed"] == 0 for v in b["ops"].values())


def test_malloc_backend_threads(tmp_path):
    doc = run_json(tmp_path, write(tmp_path, CROSS), "--backend", "malloc", "--threads")
    assert doc["ops"]["kfree"]["count"] == 4000


def test_summary_on_stdout(tmp_path):
    p = run("run", os.path.join(WORKLOADS, "default.mmw"), check=0)
    out = p.stdout
    for s in ["operation", "p50 ns", "p99 ns", "failed", "free memory", "unusable index",
              "top slab caches", "kmalloc", "alloc_pages"]:
        assert s in out, s
    assert p.stderr == ""                      # no progress line: stderr is not a tty
    assert run("run", os.path.join(WORKLOADS, "default.mmw"), "--quiet", check=0).stdout == ""


def test_json_to_stdout(tmp_path):
    p = run("run", os.path.join(WORKLOADS, "vmalloc_stress.mmw"), "--quiet", "--json", "-",
            check=0)
    assert check_result(json.loads(p.stdout)) is None


def test_progress_line_only_on_a_terminal(tmp_path):
    import pty
    w = write(tmp_path, "repeat 200000 {\nkmalloc a 64\nkfree a\n}\n")
    master, slave = pty.openpty()
    try:
        p = subprocess.run([os.environ.get("MMBENCH") or os.path.join(
            TOP, "build", "release", "bin", "mmbench"), "run", str(w)],
            stdout=subprocess.PIPE, stderr=slave, timeout=300)
        os.close(slave)
        slave = None
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert p.returncode == 0
    assert b"operations (" in err and b"mmbench:" in err
    assert b"mmbench:" not in p.stdout.split(b"\n", 1)[1]      # summary stays on stdout


def test_tick_every_n_operations_equals_python_ticks(tmp_path):
    """--tick N runs mm_tick() after every N operations of the sequential
    replay (CPU switches and fault_inject knob lines do not count): the
    same as m.tick() after every N calls through the Python API."""
    ops = random_ops(3, n=1500)
    lines = to_mmw(ops).splitlines()
    last = len(lines) - 1
    for i in range(last, 0, -7):                # knob lines that change nothing
        lines.insert(i, "fault_inject failslab verbose=%d" % (i % 3))
    doc = run_json(tmp_path, write(tmp_path, "\n".join(lines) + "\n"), "--tick", "50",
                   "--validate")
    assert doc["tick_every"] == 50 and doc["validate"] == "ok"
    assert doc["fault_inject"]["failslab"]["verbose"] == last % 3   # the last line's
    m = run_python(ops, tick=50)
    try:
        got = {(z["node"], z["zone"]): z["buddyinfo"] for z in doc["zones"] if z["managed"]}
        assert got == {k: list(v) for k, v in m.buddyinfo().items() if k in got}
        assert [(p["cpu"], p["count"], p["high"]) for p in doc["pcp"]] == \
            [(c, m.pcp(c, z["node"], z["name"])["count"], m.pcp(c, z["node"], z["name"])["high"])
             for c in range(m.nr_cpus) for z in m.zones if z["present"]]
    finally:
        m.close()
    r = run("run", write(tmp_path, to_mmw(ops[:10])), "--tick", "5", "--threads", check=2)
    assert "--tick works with the sequential replay" in r.stderr
