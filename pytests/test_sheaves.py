# SPDX-License-Identifier: GPL-2.0-only
"""Per-CPU sheaves (slub_sheaves=1, Linux 7.0's caching layer over SLUB):
capacities (the kernel's table, slub_sheaf_capacity=, none for debug caches
or on default machines); the fast paths (counted, LIFO); the slow paths in
a scripted sequence whose every counter - refills, barn gets and puts,
flushes, sheaves allocated and freed - is derived from the rules of sheaf.c;
GFP_NOWAIT falling back to the slabs; bulk operations; double frees refused
at the sheaves' tops, and the ones that slip through caught by validate();
shrink and destroy giving every page back (and skipping a CPU bound to
another thread); kfree and bad frees; init_on_free / init_on_alloc /
__GFP_ZERO; frees on another CPU from real threads.
"""
import os
import queue
import random
import threading

import pytest

from libmm import CacheBusyError, CorruptionError, Machine
from mmutil import (SHEAF_STATS, SHEAVES, SMALL_CONFIG, checked_machine, cpu_held_by_thread,
                    free_total, sheaf_capacity, sheaf_stats)

ASAN = os.environ.get("LIBMM_VARIANT") == "asan"
SHEAF_CONFIG = dict(SMALL_CONFIG, **SHEAVES)

# the kernel's capacities for the kmalloc classes (7.0, 64-bit): 60 / 26 / 12 / 4
# objects by slot size, 26 grown to 28 so that a sheaf fills kmalloc-256
KMALLOC_CAPACITY = {8: 60, 16: 60, 32: 60, 64: 60, 96: 60, 128: 60, 192: 60, 256: 28,
                    512: 28, 1024: 12, 2048: 12, 4096: 4, 8192: 4}
SIZES = [1, 8, 100, 200, 248, 250, 256, 300, 1000, 1020, 1024, 1500, 3000, 4000, 4096,
         5000, 20000]


@pytest.fixture
def sm():
    """The two-CPU machine with sheaves; validate() must pass at teardown."""
    yield from checked_machine(leak_check=False, **SHEAF_CONFIG)


def new_cache(m, size=100, name="sheafy"):
    """A cache of its own (not merged): 100 bytes gives 60 objects a sheaf."""
    return m.kmem_cache_create(name, size, flags="SLAB_NO_MERGE")


def stats_delta(cache, before):
    """The counters' change since before; the cpu slab's alloc_fastpath and
    alloc_slowpath folded into "slab_allocs" (objects taken from the slabs
    one at a time, as a refill or a fallback does)."""
    now = sheaf_stats(cache)
    d = {k: now[k] - before[k] for k in SHEAF_STATS}
    d["slab_allocs"] = d.pop("alloc_fastpath") + d.pop("alloc_slowpath")
    return d


def expect(**changed):
    """Every counter of stats_delta() unchanged except the ones named."""
    out = {k: 0 for k in SHEAF_STATS if k not in ("alloc_fastpath", "alloc_slowpath")}
    out["slab_allocs"] = 0
    assert set(changed) <= set(out), set(changed) - set(out)
    out.update(changed)
    return out


def slab_row(m, name):
    return next(r for r in m.slabinfo() if r["name"] == name)


def run_threads(target, args_list):
    """Run target(*args) in one thread per args, re-raise the first error."""
    errors = []

    def wrap(*args):
        try:
            target(*args)
        except BaseException as e:          # reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=args) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


# ---- capacities ------------------------------------------------------------

def test_kernel_table_matches_the_formula():
    """The helper's formula against the kernel's literal numbers."""
    for size, cap in KMALLOC_CAPACITY.items():
        assert sheaf_capacity(size) == cap, size


@pytest.mark.parametrize("minimum", [0, 8, 30, 100, 1024])
def test_capacity_per_cache(minimum):
    with Machine(slub_sheaves=1, slub_sheaf_capacity=minimum) as m:
        assert "slub_sheaves=1" in m.config
        assert ("slub_sheaf_capacity=%d" % minimum in m.config) == bool(minimum)
        for size, cap in KMALLOC_CAPACITY.items():
            for gfp in ("GFP_KERNEL", "GFP_DMA", "GFP_KERNEL|__GFP_RECLAIMABLE"):
                c = m.kmalloc_cache(size, gfp)
                assert c.sheaf_capacity == max(cap, minimum), (c.name, minimum)
        caches = [new_cache(m, size, "c%d" % size) for size in SIZES]
        for c in caches:
            assert c.sheaf_capacity == sheaf_capacity(c.size, minimum), c
        report = {r["name"]: r["sheaf_capacity"] for r in m.report()["slab"]}
        for c in caches + [m.kmalloc_cache(64)]:
            assert report[c.name] == c.sheaf_capacity
        m.validate()
        for c in caches:
            c.destroy()


def test_minimum_capacity_is_used():
    with Machine(slub_sheaves=1, slub_sheaf_capacity=100, **SMALL_CONFIG) as m:
        c = new_cache(m, 5000)
        assert c.sheaf_capacity == 100
        a = c.alloc()
        assert c.stat("sheaf_refill") == 100          # one refill fills the sheaf
        c.free(a)
        assert c.shrink() > 0
        assert slab_row(m, c.name)["num_slabs"] == 0
        c.destroy()
        m.validate()


def test_no_sheaves_on_default_machines():
    for config in ({}, dict(slub_sheaves=0)):
        with Machine(**config) as m:
            assert "slub_sheaves" not in m.config
            c = new_cache(m)
            assert c.sheaf_capacity == 0
            assert all(m.kmalloc_cache(n).sheaf_capacity == 0 for n in KMALLOC_CAPACITY)
            assert all(r["sheaf_capacity"] == 0 for r in m.report()["slab"])
            a = c.alloc()
            c.free(a)
            assert c.stat("alloc_cpu_sheaf") == c.stat("free_cpu_sheaf") == 0
            assert c.stat("alloc_fastpath") + c.stat("alloc_slowpath") == 1
            c.destroy()


@pytest.mark.parametrize("key,value", [("slub_sheaves", 2), ("slub_sheaves", -1),
                                       ("slub_sheaf_capacity", 1025),
                                       ("slub_sheaf_capacity", -1)])
def test_option_ranges(key, value):
    with pytest.raises(ValueError, match=key):
        Machine(**{key: value})


def test_a_capacity_needs_sheaves():
    with pytest.raises(ValueError, match="needs|without slub_sheaves=1"):
        Machine(slub_sheaf_capacity=100)


def test_debug_caches_have_none():
    with Machine(slub_sheaves=1, debug="FZPU") as m:
        assert all(r["sheaf_capacity"] == 0 for r in m.report()["slab"])
        c = m.kmem_cache_create("dbg", 100)
        a = c.alloc()
        c.free(a)
        with pytest.raises(CorruptionError, match="invalid free"):
            c.free(a)                       # SLUB's debug checks, not the sheaves'
        assert c.stat("alloc_cpu_sheaf") == c.stat("free_cpu_sheaf") == 0
        m.validate()
        c.destroy()
    with Machine(slub_sheaves=1, debug="ZP:kmalloc-64") as m:
        assert m.kmalloc_cache(64).sheaf_capacity == 0
        assert m.kmalloc_cache(128).sheaf_capacity == 60
        for flags, cap in [("SLAB_RED_ZONE", 0), ("SLAB_POISON", 0), ("SLAB_STORE_USER", 0),
                           ("SLAB_TRACE", 0), ("SLAB_CONSISTENCY_CHECKS", 0),
                           ("SLAB_HWCACHE_ALIGN", 60), ("SLAB_RECLAIM_ACCOUNT", 60)]:
            c = m.kmem_cache_create("f", 100, flags=flags + "|SLAB_NO_MERGE")
            assert c.sheaf_capacity == cap, flags
            a = c.alloc()
            c.free(a)
            assert c.stat("free_cpu_sheaf") == (1 if cap else 0), flags
            c.destroy()
        m.validate()


# ---- the fast paths -----------------------------------------------------------

def test_alloc_and_free_are_counted_and_lifo(sm):
    c = new_cache(sm)
    C = c.sheaf_capacity
    assert C == 60
    s0 = sheaf_stats(c)
    first = c.alloc()
    assert stats_delta(c, s0) == expect(alloc_cpu_sheaf=1, sheaf_refill=C, sheaf_alloc=1,
                                        barn_get_fail=1, slab_allocs=C)
    objs = [c.alloc() for _ in range(5)]
    s1 = sheaf_stats(c)
    for a in objs:
        c.free(a)
    again = [c.alloc() for _ in objs]
    assert again == objs[::-1]                  # last freed, first allocated
    assert stats_delta(c, s1) == expect(alloc_cpu_sheaf=5, free_cpu_sheaf=5)
    c.free(first)
    assert c.alloc(cpu=1) != first              # CPU 1 has sheaves of its own
    assert c.alloc(cpu=0) == first
    sm.validate()


def test_kmalloc_and_kfree_go_through_the_sheaves(sm):
    m = sm
    cache = m.kmalloc_cache(100)
    assert cache.name == "kmalloc-128" and cache.sheaf_capacity == 60
    p, q = m.kmalloc(100), m.kmalloc(120)
    s0 = sheaf_stats(cache)
    m.kfree(p)
    m.kfree(q)
    assert m.kmalloc(128) == q and m.kmalloc(97) == p
    assert stats_delta(cache, s0) == expect(alloc_cpu_sheaf=2, free_cpu_sheaf=2)
    m.write(p, b"\xff" * 128)
    m.kfree(p)
    z = m.kzalloc(110)                          # __GFP_ZERO: the slow path pops too
    assert z == p and m.read(z, 128) == bytes(128)
    m.kfree(z)
    m.kfree(q)


# ---- the slow paths, scripted ----------------------------------------------------

def test_scripted_refill_barn_and_flush(sm):
    """One CPU through every branch of sheaf.c, with exact counters.  C is
    the capacity; the barn keeps at most 10 full and 10 empty sheaves."""
    m, c = sm, new_cache(sm)
    C = c.sheaf_capacity
    n = 14 * C

    # A: 14C allocations.  Each time main is empty: no spare, no full sheaf in
    # the barn (barn_get_fail), so an empty sheaf is refilled with C objects
    # from the slabs; the first time that sheaf is allocated, later the barn's
    # empty one (the previous main) is reused.
    s = sheaf_stats(c)
    objs = [c.alloc() for _ in range(n)]
    assert len(set(objs)) == n
    assert stats_delta(c, s) == expect(alloc_cpu_sheaf=n, sheaf_refill=n, barn_get_fail=14,
                                       sheaf_alloc=1, slab_allocs=n)
    m.validate()

    # B: free them all in order.  Main fills every C frees: the 1st time the
    # barn's empty sheaf becomes main (the full one the spare); the next 10
    # times main goes to the barn as a full sheaf for a newly allocated empty
    # one (barn_put); then the barn is full, so the spare is flushed to the
    # slabs and reused (barn_put_fail), twice.
    s = sheaf_stats(c)
    for a in objs:
        c.free(a)
    assert stats_delta(c, s) == expect(free_cpu_sheaf=n, sheaf_alloc=10, barn_put=10,
                                       barn_put_fail=2, sheaf_flush=2 * C)
    m.validate()

    # C: 12C allocations take exactly the objects still in sheaves, last freed
    # first: main, the full spare, then the barn's 10 full sheaves, newest
    # first (barn_get); the slabs are not touched.  Flushed were the first
    # sheaf (objects 1..C) and the 12th (11C+1..12C).
    s = sheaf_stats(c)
    again = [c.alloc() for _ in range(12 * C)]
    assert again == (objs[C:11 * C] + objs[12 * C:])[::-1]
    assert stats_delta(c, s) == expect(alloc_cpu_sheaf=12 * C, barn_get=10)
    m.validate()

    # D: main and spare are empty, the barn holds 10 empty sheaves: the spare
    # is refilled, and the old main is freed (the barn has no room for it).
    s = sheaf_stats(c)
    again.append(c.alloc())
    assert stats_delta(c, s) == expect(alloc_cpu_sheaf=1, barn_get_fail=1, sheaf_refill=C,
                                       sheaf_free=1, slab_allocs=C)
    m.validate()

    # E: free the 12C + 1 again.  Main (C - 1 objects) fills at the 2nd
    # free and an empty barn sheaf is installed; then main is traded for the
    # barn's empty sheaves 9 times, once for a new one (the barn has no
    # empty left), and then the barn has 10 full: one spare is flushed.
    s = sheaf_stats(c)
    for a in again:
        c.free(a)
    assert stats_delta(c, s) == expect(free_cpu_sheaf=12 * C + 1, barn_put=10, sheaf_alloc=1,
                                       barn_put_fail=1, sheaf_flush=C)
    m.validate()

    # shrink: everything still in sheaves (12C) goes back, the barn's 10 and
    # the spare are freed (main stays), and every slab is empty and freed
    s = sheaf_stats(c)
    assert c.shrink() > 0
    assert stats_delta(c, s) == expect(sheaf_flush=12 * C, sheaf_free=11)
    row = slab_row(m, c.name)
    assert row["num_slabs"] == 0 and row["active_objs"] == 0


def test_gfp_nowait_falls_back_to_the_slabs(sm):
    c = new_cache(sm)
    s = sheaf_stats(c)
    got = [c.alloc(gfp=g) for g in ("GFP_NOWAIT", "GFP_ATOMIC", "GFP_NOWAIT")]
    assert None not in got and len(set(got)) == 3
    # no sheaf may be filled without blocking: one object at a time from the slabs
    assert stats_delta(c, s) == expect(barn_get_fail=3, slab_allocs=3)
    for a in got:
        c.free(a)
    s = sheaf_stats(c)
    assert c.alloc(gfp="GFP_NOWAIT") == got[-1]         # the sheaf serves it now
    assert stats_delta(c, s) == expect(alloc_cpu_sheaf=1)
    c.free(got[-1])


def test_full_sheaves_move_between_cpus_through_the_barn(sm):
    """CPU 1 frees 3C objects CPU 0 allocated: its sheaves take them, the
    second full one goes to the node's barn, where CPU 0 - even with
    GFP_NOWAIT - finds it instead of going to the slabs."""
    c = new_cache(sm)
    C = c.sheaf_capacity
    s = sheaf_stats(c)
    objs = c.alloc_bulk(3 * C, cpu=0)
    assert stats_delta(c, s) == expect(barn_get_fail=1, slab_allocs=3 * C)
    s = sheaf_stats(c)
    c.free_bulk(objs, cpu=1)
    assert stats_delta(c, s) == expect(free_cpu_sheaf=3 * C, sheaf_alloc=2, barn_put=1)
    s = sheaf_stats(c)
    a = c.alloc(gfp="GFP_NOWAIT", cpu=0)
    assert a == objs[2 * C - 1]                 # the top of the barn's sheaf
    rest = c.alloc_bulk(C - 1, cpu=0)
    assert sorted(rest) == sorted(objs[C:2 * C - 1])
    assert stats_delta(c, s) == expect(alloc_cpu_sheaf=C, barn_get=1)
    # CPU 1 still has the other 2C: LIFO there
    assert c.alloc(cpu=1) == objs[-1]
    sm.validate()
    c.free_bulk(rest + [a, objs[-1]], cpu=0)


def test_bulk_alloc_and_free_through_the_sheaves(sm):
    c = new_cache(sm)
    C = c.sheaf_capacity
    n = 2 * C + 5
    s = sheaf_stats(c)
    objs = c.alloc_bulk(n)                      # nothing in sheaves: all from the slabs
    assert len(set(objs)) == n
    assert stats_delta(c, s) == expect(barn_get_fail=1, slab_allocs=n)
    s = sheaf_stats(c)
    c.free_bulk(objs)                           # main, spare, one full sheaf to the barn
    assert stats_delta(c, s) == expect(free_cpu_sheaf=n, sheaf_alloc=2, barn_put=1)
    s = sheaf_stats(c)
    again = c.alloc_bulk(n)                     # main's 5, the spare, the barn's sheaf
    assert sorted(again) == sorted(objs)
    assert again[:5] == objs[-5:]
    assert stats_delta(c, s) == expect(alloc_cpu_sheaf=n, barn_get=1)
    s = sheaf_stats(c)
    more = c.alloc_bulk(3, gfp="GFP_KERNEL|__GFP_ZERO")
    assert not set(more) & set(again)
    assert all(sm.read(a, 100) == bytes(100) for a in more)
    assert stats_delta(c, s) == expect(barn_get_fail=1, slab_allocs=3)
    sm.validate()
    c.free_bulk(again + more)


# ---- double frees and bad frees -----------------------------------------------

def test_double_free_of_the_main_top_is_refused(sm):
    c = new_cache(sm)
    a, b = c.alloc(), c.alloc()
    c.free(a)
    s, refused, errors = sheaf_stats(c), c.stat("free_refused"), sm.slab_errors
    with pytest.raises(CorruptionError, match="double free"):
        c.free(a)
    assert c.stat("free_refused") == refused + 1 and sm.slab_errors == errors + 1
    assert stats_delta(c, s) == expect()
    sm.validate()                               # a is in the sheaf once
    assert c.alloc() == a                       # and the machine goes on
    c.free(b)
    c.free(a)
    p = sm.kmalloc(64)
    sm.kfree(p)
    with pytest.raises(CorruptionError, match="double free"):
        sm.kfree(p)
    sm.validate()


def test_double_free_of_the_spare_top_is_refused(sm):
    c = new_cache(sm)
    C = c.sheaf_capacity
    objs = [c.alloc() for _ in range(2 * C)]    # main is empty again
    for a in objs[:C + 1]:          # the (C+1)th free makes the full main the spare
        c.free(a)
    s = sheaf_stats(c)
    with pytest.raises(CorruptionError, match="double free"):
        c.free(objs[C - 1])         # the spare's top, not main's
    assert stats_delta(c, s) == expect()
    sm.validate()
    again = [c.alloc() for _ in range(C + 1)]
    assert again == objs[:C + 1][::-1]


@pytest.mark.parametrize("how", ["flushed", "twice_in_sheaves"])
def test_slipped_double_free_fails_validate(how):
    """Double frees the sheaves do not see at free time (as in the kernel)
    leave an object in a sheaf that is also free in its slab, or in the
    sheaves twice: validate() must fail.  The machine is not used further."""
    m = Machine(**SHEAF_CONFIG)
    try:
        c = new_cache(m)
        objs = [c.alloc() for _ in range(c.sheaf_capacity)]
        x, y = objs[0], objs[1]
        slab_bytes = 4096 << c.order
        base = m.page_address(0)
        assert any((o - base) // slab_bytes == (x - base) // slab_bytes for o in objs[2:])
        c.free(x)
        if how == "flushed":
            c.shrink()                  # x back on its slab's freelist; the slab stays
        else:
            c.free(y)                   # x is no longer the top
        m.validate()
        c.free(x)                       # slips through
        match = "also on a slab freelist" if how == "flushed" else "in the sheaves twice"
        with pytest.raises(CorruptionError, match="double free") as e:
            m.validate()
        assert match in str(e.value)
    finally:
        m.close()


def test_bad_frees_are_refused(sm):
    m = sm
    c, other = new_cache(m, 100, "mine"), new_cache(m, 100, "theirs")
    o, p = c.alloc(), m.kmalloc(100)
    kc = m.kmalloc_cache(100)
    s, sk = sheaf_stats(c), sheaf_stats(kc)
    with pytest.raises(CorruptionError, match="Invalid object pointer"):
        c.free(o + 8)
    with pytest.raises(CorruptionError, match="Wrong slab cache"):
        other.free(o)
    with pytest.raises(CorruptionError, match="Wrong slab cache"):
        c.free(p)
    with pytest.raises(CorruptionError, match="not an address of this machine"):
        c.free(16)
    pfn = m.alloc_pages(0)
    with pytest.raises(CorruptionError, match="not a slab page"):
        c.free(m.page_address(pfn))
    with pytest.raises(CorruptionError, match="Invalid object pointer"):
        m.kfree(p + 8)
    with pytest.raises(CorruptionError, match="not to kmalloc"):
        m.kfree(o)
    with pytest.raises(CorruptionError, match="not a live kmalloc object"):
        m.kfree(m.page_address(pfn))
    m.free_pages(pfn)
    assert stats_delta(c, s) == expect() and stats_delta(kc, sk) == expect()
    m.validate()
    c.free(o)
    m.kfree(p)
    assert c.alloc() == o and m.kmalloc(100) == p
    c.free(o)
    m.kfree(p)
    c.destroy()
    other.destroy()


# ---- zeroing -----------------------------------------------------------------------

@pytest.mark.parametrize("option", ["init_on_free", "init_on_alloc", "__GFP_ZERO"])
def test_zeroing(option):
    config = dict(SHEAF_CONFIG)
    gfp = "GFP_KERNEL"
    if option == "__GFP_ZERO":
        gfp += "|__GFP_ZERO"
    else:
        config[option] = 1
    with Machine(**config) as m:
        c = new_cache(m, 64)
        C = c.sheaf_capacity
        objs = [c.alloc(gfp=gfp) for _ in range(3 * C)]
        for a in objs:
            assert m.read(a, 64) == bytes(64)
            m.write(a, b"\xff" * 64)
        for a in objs:              # main, the spare, and a sheaf to the barn
            c.free(a)
        assert c.stat("barn_put") == 1 and c.stat("free_cpu_sheaf") == 3 * C
        if option == "init_on_free" and not ASAN:
            assert all(m.read(a, 64) == bytes(64) for a in objs)    # zeroed on free
        again = [c.alloc(gfp=gfp) for _ in objs]
        # main (the last C freed), the spare (the first C), the barn's sheaf
        assert again == objs[2 * C:][::-1] + objs[:C][::-1] + objs[C:2 * C][::-1]
        assert all(m.read(a, 64) == bytes(64) for a in again)
        c.free_bulk(again)
        m.validate()
        c.shrink()
        c.destroy()


# ---- shrink and destroy ---------------------------------------------------------------

def test_shrink_gives_every_page_back(sm):
    m = sm
    m.drain_pages()
    before = (m.buddyinfo(), free_total(m), m.vmstat()["nr_slab_unreclaimable"])
    c = new_cache(m, 256)
    assert c.sheaf_capacity == 28
    objs = c.alloc_bulk(1500) + [c.alloc(cpu=1) for _ in range(300)]
    c.free_bulk(objs[:900], cpu=1)
    for a in objs[900:]:
        c.free(a, cpu=0)
    s = sheaf_stats(c)
    assert s["barn_put_fail"] > 0 and s["sheaf_flush"] > 0     # the barn overflowed
    assert m.vmstat()["nr_slab_unreclaimable"] > before[2]
    assert c.shrink() > 0
    assert slab_row(m, c.name)["num_slabs"] == 0
    assert c.stat("sheaf_flush") > s["sheaf_flush"]
    m.validate()
    m.drain_pages()
    assert (m.buddyinfo(), free_total(m), m.vmstat()["nr_slab_unreclaimable"]) == before
    c.destroy()


def test_shrink_and_destroy_skip_a_cpu_bound_elsewhere(sm):
    m = sm
    m.drain_pages()
    before = m.buddyinfo()
    c = new_cache(m)
    objs = [c.alloc(cpu=0) for _ in range(10)]
    for a in objs:
        c.free(a, cpu=1)                    # CPU 1's main sheaf holds them
    with cpu_held_by_thread(m, 1):
        c.shrink()
        assert slab_row(m, c.name)["num_slabs"] > 0
        with pytest.raises(CacheBusyError, match="bound to another thread"):
            c.destroy()
        m.validate()
    assert c.alloc(cpu=1) == objs[-1]       # untouched while held
    c.free(objs[-1], cpu=1)
    c.shrink()
    assert slab_row(m, c.name)["num_slabs"] == 0
    c.destroy()
    m.drain_pages()
    assert m.buddyinfo() == before


def test_destroy_with_live_objects_refused_then_works(sm):
    m = sm
    m.drain_pages()
    before = m.buddyinfo()
    c = new_cache(m, 64, "busy")
    objs = [c.alloc() for _ in range(4 * c.sheaf_capacity)]    # main is empty again
    keep = objs[:3]
    for a in objs[3:]:
        c.free(a)
    s = sheaf_stats(c)
    assert s["barn_put"] == 2                  # at the 121st and the 181st free
    with pytest.raises(CacheBusyError, match=r"busy.*3 objects left"):
        c.destroy()
    # every sheaf flushed, the barn's too
    assert c.stat("sheaf_flush") - s["sheaf_flush"] == len(objs) - 3
    m.validate()
    for a in keep:
        c.free(a)
    c.destroy()
    m.drain_pages()
    assert m.buddyinfo() == before


# ---- threads ------------------------------------------------------------------

def test_cross_cpu_frees_from_threads(sm):
    """A thread on CPU 0 allocates, one on CPU 1 frees, concurrently: the
    objects go into CPU 1's sheaves."""
    m = sm
    m.drain_pages()
    before = m.buddyinfo()
    c = new_cache(m)
    n = 5 * c.sheaf_capacity + 7
    handoff, freed, live, lock = queue.Queue(), [], set(), threading.Lock()

    def producer():
        try:
            for _ in range(n):
                a = c.alloc(cpu=0)      # CPU 1's full sheaves come back via the barn
                with lock:
                    assert a not in live, "object handed out twice"
                    live.add(a)
                handoff.put(a)
        finally:
            handoff.put(None)

    def consumer():
        while (a := handoff.get()) is not None:
            with lock:
                live.remove(a)
            c.free(a, cpu=1)
            freed.append(a)

    run_threads(lambda role: role(), [(producer,), (consumer,)])
    assert len(freed) == n and not live
    assert c.stat("alloc_cpu_sheaf") == n and c.stat("free_cpu_sheaf") == n
    m.validate()
    assert c.alloc(cpu=1) == freed[-1]
    c.free(freed[-1], cpu=1)
    c.shrink()
    m.validate()
    c.destroy()
    m.drain_pages()
    assert m.buddyinfo() == before


@pytest.mark.parametrize("size", [64, 4096])
def test_threads_random_with_shared_objects(size):
    """Four threads on four CPUs allocate, free, pass objects to each other
    and shrink; no object is handed out twice, and at the end every page is
    back.  4 KiB objects have 4-object sheaves: constant barn traffic."""
    with Machine(cpus=4, DMA="16M", DMA32="64M", NORMAL="64M", **SHEAVES) as m:
        m.drain_pages()
        boot = m.buddyinfo()
        c = new_cache(m, size)
        assert c.sheaf_capacity == sheaf_capacity(c.size)
        lock = threading.Lock()
        owned, shared = set(), []

        def worker(cpu):
            rng = random.Random(cpu)
            mine = []
            for _ in range(10000):
                r = rng.random()
                if r < 0.45:
                    objs = [c.alloc(cpu=cpu)] if r < 0.4 else c.alloc_bulk(7, cpu=cpu)
                    with lock:
                        assert not owned & set(objs), "object handed out twice"
                        owned.update(objs)
                    mine.extend(objs)
                elif r < 0.75 and mine:
                    a = mine.pop(rng.randrange(len(mine)))
                    with lock:
                        owned.discard(a)
                    c.free(a, cpu=cpu)
                elif r < 0.9 and mine:
                    with lock:
                        shared.append(mine.pop())
                elif r < 0.995:
                    with lock:
                        a = shared.pop() if shared else None
                        owned.discard(a)
                    if a is not None:
                        c.free(a, cpu=cpu)
                else:
                    c.shrink(cpu=cpu)
            with lock:
                owned.difference_update(mine)
            c.free_bulk(mine, cpu=cpu)

        run_threads(worker, [(cpu,) for cpu in range(4)])
        m.validate()
        assert c.stat("barn_get") > 0 and c.stat("barn_put") > 0
        c.free_bulk(shared, cpu=2)
        m.validate()
        c.shrink()
        assert slab_row(m, c.name)["num_slabs"] == 0
        c.destroy()
        m.drain_pages()
        m.validate()
        assert m.buddyinfo() == boot
