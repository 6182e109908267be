# SPDX-License-Identifier: GPL-2.0-only
"""Hostile input from Python, each case once a crash, a hang, a spurious
error or a silent conversion: non-integer arguments, bad CPUs, duplicate
config keys, wrapping zone sizes, cache objects used after another object
destroyed their cache (merged caches too), close()/destroy() while other
threads are inside calls, validate() beside allocating threads, a
constructor that closes its machine, sizes above 2^63, inside and freed
pointers to ksize/krealloc, kzalloc over the kmalloc red zone with debug=1,
vmalloc after vm.max_map_count."""
import os
import subprocess
import sys
import threading
import time

import pytest

from libmm import CorruptionError, Machine

from mmbench_util import TRACES, run as run_mmbench
from mmutil import SMALL_CONFIG

ASAN = os.environ.get("LIBMM_VARIANT") == "asan"


class Index:
    """An integer that is not an int (like numpy.int64): accepted."""

    def __init__(self, v):
        self.v = v

    def __index__(self):
        return self.v


@pytest.mark.parametrize("bad", [1.0, 2.5, "1", True, None, b"1"])
def test_orders_sizes_and_cpus_are_integers(small_machine, bad):
    m = small_machine
    if bad is not None:
        with pytest.raises(TypeError):
            m.alloc_pages(order=bad)
        with pytest.raises(TypeError):
            m.alloc_pages(cpu=bad)
    with pytest.raises(TypeError):
        m.kmalloc(bad)
    with pytest.raises(TypeError):
        m.vmalloc(bad)
    with pytest.raises(TypeError):
        m.kmem_cache_create("c", bad)
    with pytest.raises(TypeError):
        m.kmalloc(64, gfp=True if bad is not True else 1.0)
    pfn = m.alloc_pages(order=Index(1), cpu=Index(1))
    with pytest.raises(TypeError):
        m.free_pages(pfn, order=1.0)
    m.free_pages(pfn, order=Index(1), cpu=1)
    m.kfree(m.kmalloc(Index(100)))
    if bad is not None:
        with pytest.raises(TypeError):
            m.alloc_pages_bulk(bad)
        with pytest.raises(TypeError):
            m.tick(bad)
        c = m.kmem_cache_create("ratio", 64)
        with pytest.raises(TypeError):
            c.remote_node_defrag_ratio = bad
        c.remote_node_defrag_ratio = Index(40)
        assert c.remote_node_defrag_ratio == 40
        c.destroy()
    m.free_pages(m.alloc_pages_bulk(Index(1))[0])


def test_cpu_to_node_of_a_missing_cpu(small_machine):
    m = small_machine
    assert m.cpu_to_node(1) == 0
    for bad in (2, -1, 10 ** 6):
        with pytest.raises(ValueError, match="CPU %d does not exist" % bad):
            m.cpu_to_node(bad)


def test_duplicate_config_keys_are_refused():
    with pytest.raises(ValueError, match="'cpus' is given twice"):
        Machine("cpus=2 cpus=3")
    with pytest.raises(ValueError, match="'NORMAL' is given twice"):
        Machine("NORMAL=64M,cpus=2 NORMAL=128M")
    # a keyword replaces the string's word of its key (as mmbench's --set does)
    with Machine("NORMAL=64M", NORMAL="128M") as m:
        assert m.zone(0, "NORMAL")["spanned"] == (128 << 20) // 4096
    with pytest.raises(ValueError, match="too much memory"):
        Machine(DMA=str(2 ** 63), DMA32=str(2 ** 63), NORMAL="4096")
    with Machine("cpus=2,DMA=0,DMA32=0,NORMAL=64M") as m:
        assert m.nr_cpus == 2


def test_cache_objects_of_a_destroyed_cache(small_machine):
    m = small_machine
    c = m.kmem_cache_create("stale", 136)
    view = m.kmem_cache("stale")
    assert view == c
    c.destroy()
    with pytest.raises(ValueError, match="destroyed"):
        view.alloc()
    with pytest.raises(ValueError, match="destroyed"):
        view.object_size
    with pytest.raises(ValueError, match="destroyed"):
        c.destroy()


def test_merged_cache_objects(small_machine):
    m = small_machine
    a = m.kmem_cache_create("a", 136)
    b = m.kmem_cache_create("b", 132)             # merges into a
    vb = m.kmem_cache("b")
    assert b.name == vb.name == "a"
    b.destroy()                                    # a still holds the C cache
    x = vb.alloc()
    vb.free(x)
    a.destroy()                                    # the last reference
    for stale in (a, b, vb):
        with pytest.raises(ValueError):
            stale.alloc()
    k = m.kmem_cache("kmalloc-64")                 # kmalloc caches live on
    k.free(k.alloc())


def run_threads(target, n=1):
    threads = [threading.Thread(target=target) for _ in range(n)]
    for t in threads:
        t.start()
    return threads


def test_close_waits_for_calls_in_flight():
    for _ in range(5):
        m = Machine()                              # 1 GiB: validate() takes a while
        started, errors, outcomes = threading.Event(), [], []

        def worker():
            try:
                started.set()
                while True:
                    m.validate()
                    outcomes.append(m.kmalloc(64))
            except ValueError as e:                # closed: the only way out
                outcomes.append(str(e))
            except Exception as e:                 # pragma: no cover
                errors.append(e)

        t = run_threads(worker)[0]
        started.wait(10)
        time.sleep(0.01)
        m.close()
        t.join(30)
        assert not errors and outcomes[-1] == "machine is closed"


def test_destroy_waits_for_calls_in_flight(small_machine):
    m = small_machine
    c = m.kmem_cache_create("busy", 256)
    stop, errors = threading.Event(), []

    def worker():
        try:
            while not stop.is_set():
                objs = c.alloc_bulk(64, cpu=1)
                c.free_bulk(objs, cpu=1)
        except ValueError as e:
            if "destroyed" not in str(e):
                errors.append(e)
        except Exception as e:                     # pragma: no cover
            errors.append(e)

    t = run_threads(worker)[0]
    time.sleep(0.05)
    while True:
        try:
            c.destroy()
            break
        except ValueError:                         # objects were live: try again
            time.sleep(0.001)
    stop.set()
    t.join(30)
    assert not errors


def test_validate_beside_allocating_threads(small_machine):
    m = small_machine
    stop, errors = threading.Event(), []

    def worker(cpu):
        def run():
            try:
                while not stop.is_set():
                    pfns = [m.alloc_pages(order=i % 3, cpu=cpu) for i in range(20)]
                    objs = [m.kmalloc(32 * (i + 1), cpu=cpu) for i in range(20)]
                    for i, pfn in enumerate(pfns):
                        m.free_pages(pfn, order=i % 3, cpu=cpu)
                    for p in objs:
                        m.kfree(p, cpu=cpu)
            except Exception as e:                 # pragma: no cover
                errors.append(e)
        return run

    threads = [threading.Thread(target=worker(c)) for c in (0, 1)]
    for t in threads:
        t.start()
    try:
        for _ in range(40):
            m.validate()                           # no spurious CorruptionError
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not errors and m.tainted == 0


def test_ctor_that_closes_the_machine(small_machine):
    m = small_machine

    def ctor(addr):
        m.close()

    c = m.kmem_cache_create("selfish", 64, ctor=ctor)
    with pytest.raises(RuntimeError, match="from inside one of its own calls"):
        c.alloc()
    assert not m.closed
    c2 = m.kmem_cache_create("raiser", 64, ctor=lambda addr: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        c2.alloc()
    m.validate()
    c.destroy()
    c2.destroy()


def test_sizes_above_2_to_the_63(small_machine):
    m = small_machine
    p = m.kmalloc(100)
    for size in (2 ** 63 + 1, 2 ** 64 - 1, 2 ** 63):
        assert m.kmalloc(size) is None
        assert m.kzalloc(size) is None
        assert m.kcalloc(1, size) is None
        assert m.krealloc(p, size) is None
    with pytest.raises(ValueError, match="does not fit"):
        m.kmalloc(2 ** 64)
    assert m.ksize(p) == 128
    m.kfree(p)


def test_ksize_and_krealloc_of_inside_and_freed_pointers(small_machine):
    m = small_machine
    p = m.kmalloc(100)
    with pytest.raises(CorruptionError, match="Invalid object pointer"):
        m.ksize(p + 8)
    with pytest.raises(CorruptionError, match="Invalid object pointer"):
        m.krealloc(p + 8, 200)
    assert m.ksize(p) == 128
    m.kfree(p)
    with pytest.raises(CorruptionError, match="free"):
        m.ksize(p)


def test_impossible_kmalloc_gfp(small_machine):
    m = small_machine
    for gfp in ("GFP_KERNEL|__GFP_DMA|__GFP_HIGHMEM", "GFP_KERNEL|__GFP_DMA32|__GFP_HIGHMEM",
                "GFP_KERNEL|__GFP_MOVABLE|__GFP_RECLAIMABLE"):
        with pytest.raises(ValueError, match="impossible"):
            m.kmalloc(64, gfp=gfp)
        with pytest.raises(ValueError):
            m.alloc_pages(gfp=gfp)


def test_kzalloc_leaves_the_kmalloc_red_zone(small_machine):
    with Machine(debug="1", **SMALL_CONFIG) as m:
        p = m.kzalloc(184)
        assert m.read(p, 184) == bytes(184) and m.read(p + 184, 8) == b"\xcc" * 8
        q = m.kmalloc(100, gfp="GFP_KERNEL|__GFP_ZERO")
        m.validate()
        m.kfree(p)
        m.kfree(q)
        assert m.slab_errors == 0


@pytest.mark.parametrize("trace", ["kernel_fork_exec.perf.xz", "kernel_tar_usr_include.perf.xz"])
def test_kernel_trace_with_debug_validates(trace):
    r = run_mmbench("run", os.path.join(TRACES, trace), "--machine", "debug=1",
                    "--validate", "--quiet")
    assert r.returncode == 0, r.stderr


MAP_COUNT_SCRIPT = r"""
import os, sys
from libmm import Machine
m = Machine(cpus=1, NORMAL="512M", DMA32="0", DMA="0", vmalloc_size="64G")
pfns = []
while True:                                 # every other frame: scattered pages
    p = m.alloc_pages(0, gfp="GFP_KERNEL|__GFP_NOWARN")
    if p is None:
        break
    pfns.append(p)
pfns.sort()
for p in pfns[::2]:
    m.free_pages(p)
areas = []
while True:                                 # until vm.max_map_count
    v = m.vmalloc(65536, gfp="GFP_KERNEL|__GFP_NOWARN")
    if v is None:
        break
    areas.append(v)
for v in areas:
    m.vfree(v)
for p in pfns[1::2]:
    m.free_pages(p)
again = [m.vmalloc(65536) for _ in range(20)]
assert None not in again, "vmalloc still fails after everything was freed"
for v in again:
    m.vfree(v)
m.validate()
print("areas", len(areas))
"""


@pytest.mark.skipif(ASAN, reason="ASan's own mappings fail near vm.max_map_count")
def test_vmalloc_recovers_after_max_map_count():
    r = subprocess.run([sys.executable, "-c", MAP_COUNT_SCRIPT], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert int(r.stdout.split()[1]) > 1000
