# SPDX-License-Identifier: GPL-2.0-only
"""libmm.testing and the Machine calls it rests on: quiesce(), on_cpu(),
page() (dump_page()), snapshot()/assert_conserved(), the checked machines
and the hypothesis strategies."""
import threading

import pytest
from hypothesis import given, settings, strategies as st

from libmm import CPUBusyError, GFP, Machine, testing
from libmm.testing import (SMALL_CONFIG, assert_conserved, checked_machine, free_total,
                           gfp_legal, gfp_masks, kmalloc_sizes, machine_configs, orders,
                           pcp_total, snapshot)

from libmm.testing import machine, make_machine  # noqa: F401 - the shipped fixtures
from mmutil import cpu_held_by_thread


def test_the_new_users_first_property_test(machine):
    """Random alloc/free on 2 CPUs conserves free pages - once pcp pages
    and caches are accounted for (quiesce)."""
    m = machine
    start = snapshot(m)
    raw = free_total(m)
    objs = [m.kmalloc(64 + i, cpu=i % 2) for i in range(200)]
    pfns = [m.alloc_pages(order=i % 3, cpu=i % 2) for i in range(60)]
    for i, p in enumerate(objs):
        m.kfree(p, cpu=(i + 1) % 2)
    for i, pfn in enumerate(pfns):
        m.free_pages(pfn, order=i % 3, cpu=(i + 1) % 2)
    assert_conserved(m, start)              # caches and pcp lists: quiesced
    assert free_total(m) == start.total and raw >= start.total


@pytest.mark.parametrize("policy", ["6.18", "6.5"])
def test_conserved_whatever_the_per_cpu_highs(make_machine, policy):
    """With pcp auto-tuning (6.7+) a CPU's high is 0 until its list is first
    used, grows on runs of frees (nr_pcp_high()) and decays on the vmstat
    tick (decay_pcp_high()): the pages its lists hold vary with all that,
    the free memory after quiesce() does not."""
    m = make_machine(page_alloc_policy=policy, **SMALL_CONFIG)
    start = snapshot(m)
    untouched = m.pcp(1)["high"]
    pfns = m.alloc_pages_bulk(600, cpu=0)
    for pfn in pfns:                        # a run of cross-CPU frees
        m.free_pages(pfn, cpu=1)
    grown, held = m.pcp(1)["high"], m.pcp(1)["count"]
    m.tick(5)
    if policy == "6.18":
        assert untouched == 0 and grown > m.pcp(1)["high_min"]
        assert m.pcp(1)["high"] < grown     # decayed
    else:
        assert untouched == grown == m.pcp(1)["high_min"]
    assert len(pfns) == 600
    lists = pcp_total(m)                    # CPU 1's and CPU 0's refill leftovers
    assert lists >= held > 0
    assert sum(z["free"] for z in m.zones) == start.total - lists   # not free: on a list
    assert_conserved(m, start)
    assert m.pcp(1)["count"] == 0


def test_assert_conserved_names_the_leak(make_machine):
    m = make_machine(leak_check=False, **SMALL_CONFIG)
    start = snapshot(m)
    pfn = m.alloc_pages(order=3, cpu=1)
    p = m.kmalloc(4000)
    with pytest.raises(AssertionError) as e:
        assert_conserved(m, start)
    text = str(e.value)
    assert "free memory not conserved" in text and "NORMAL" in text
    assert "cache kmalloc-4k: 1 objects in use" in text
    m.free_pages(pfn, order=3)
    m.kfree(p)
    assert_conserved(m, start)


def test_checked_machine_catches_leaks_at_teardown():
    gen = checked_machine(**SMALL_CONFIG)
    m = next(gen)
    m.alloc_pages(order=2)
    with pytest.raises(AssertionError, match="not conserved"):
        next(gen)
    assert m.closed
    gen = checked_machine(leak_check=False, **SMALL_CONFIG)
    m = next(gen)
    m.alloc_pages(order=2)
    assert next(gen, "done") == "done"


def test_exact_snapshot_for_refused_calls(machine):
    m = machine
    before = snapshot(m, quiesce=False)
    with pytest.raises(ValueError):
        m.alloc_pages(order=99)
    assert snapshot(m, quiesce=False) == before
    assert not before.quiesced and before.pcp


def test_quiesce_empties_every_cache_and_list():
    with Machine(slub_sheaves=1, **SMALL_CONFIG) as m:
        boot = sum(z["free"] for z in m.zones)
        c = m.kmem_cache_create("q", 96)
        objs = [c.alloc(cpu=0) for _ in range(500)]
        for a in objs:
            c.free(a, cpu=1)                # CPU 1's sheaves and the barn
        v = m.vmalloc(256 << 10)
        m.vfree(v)
        pfn = m.alloc_pages(cpu=1)
        m.free_pages(pfn, cpu=1)            # CPU 1's pcp list
        assert sum(z["free"] for z in m.zones) < boot
        m.quiesce()
        assert testing.pcp_total(m) == 0
        assert sum(z["free"] for z in m.zones) == boot
        assert [r for r in m.slabinfo() if r["num_slabs"]] == []
        assert m.vmallocinfo(unpurged=True) == []
        m.validate()
        c.destroy()


def test_quiesce_needs_the_other_cpus_free(small_machine):
    m = small_machine
    with cpu_held_by_thread(m, 1):
        with pytest.raises(CPUBusyError, match="CPU 1"):
            m.quiesce()
    m.quiesce()


def test_on_cpu_runs_several_calls_on_one_cpu(small_machine):
    m = small_machine
    with m.on_cpu(1):
        pfn = m.alloc_pages()               # no cpu=: CPU 1
        assert m.pcp(1)["count"] > 0 and m.pcp(0)["count"] == 0
        m.free_pages(pfn)
        p = m.kmalloc(64, cpu=0)            # an explicit CPU, then back to 1
        m.kfree(p, cpu=0)
        q = m.kmalloc(64)
        m.kfree(q)
    assert m.kmalloc_cache(64).stat("alloc_slowpath") >= 2
    with pytest.raises(ValueError, match="CPU 7"):
        with m.on_cpu(7):
            pass
    with pytest.raises(TypeError):
        m.on_cpu("1")


def test_on_cpu_block_holds_the_cpu_against_other_threads(small_machine):
    m = small_machine
    inside, leave = threading.Event(), threading.Event()
    seen = []

    def worker():
        with m.on_cpu(1):
            inside.set()
            leave.wait(10)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(10)
    try:
        m.alloc_pages(cpu=1)
    except CPUBusyError as e:
        seen.append(e)
    leave.set()
    t.join()
    assert len(seen) == 1


def test_page_shows_dump_page_state(small_machine):
    m = small_machine
    pfn = m.alloc_pages(order=4, gfp="GFP_KERNEL|__GFP_COMP")
    head = m.page(pfn)
    assert head["state"] == "allocated" and head["order"] == 4 and head["head"]
    assert head["refcount"] == 1 and head["flags"] == ["head"] and head["compound"]
    assert head["migratetype"] == "Unmovable" and head["zone"] == "NORMAL"
    assert "page: refcount:1" in head["dump"] and "head: order:4" in head["dump"]
    tail = m.page(pfn + 5)
    assert not tail["head"] and tail["head_pfn"] == pfn and tail["refcount"] == 0
    m.free_pages(pfn, order=4)
    assert m.page(pfn)["state"] == "buddy"
    one = m.alloc_pages(gfp="GFP_HIGHUSER_MOVABLE", cpu=1)
    assert m.page(one)["flags"] == ["lru"] and m.page(one)["migratetype"] == "Movable"
    m.free_pages(one, cpu=1)
    info = m.page(one)
    assert info["state"] == "pcp" and info["pcp"] and info["order"] == 0
    p = m.kmalloc(300)
    slab = m.page(m.pfn_of(p))
    assert slab["slab"] and slab["cache"] == "kmalloc-512" and "slab" in slab["flags"]
    m.kfree(p)
    v = m.vmalloc(8192)
    assert m.page(m.vmalloc_to_pfn(v))["vmalloc"]
    m.vfree(v)
    with pytest.raises(ValueError, match="outside the machine"):
        m.page(m.nr_pages)


@settings(max_examples=60, deadline=None)
@given(gfp=gfp_masks(), order=orders(4))
def test_gfp_masks_are_what_alloc_pages_accepts(gfp, order):
    assert gfp_legal(gfp)
    with Machine(**SMALL_CONFIG) as m:
        pfn = m.alloc_pages(order=order, gfp=gfp)      # never ValueError
        if pfn is not None:
            m.free_pages(pfn, order=order)
        p = m.kmalloc(100, gfp=gfp)
        m.kfree(p)


def test_gfp_legal_matches_the_kernel_table():
    assert gfp_legal(GFP.GFP_KERNEL) and gfp_legal(GFP.GFP_HIGHUSER_MOVABLE)
    assert not gfp_legal(int(GFP.__GFP_DMA) | int(GFP.__GFP_HIGHMEM))
    assert not gfp_legal(int(GFP.__GFP_MOVABLE) | int(GFP.__GFP_RECLAIMABLE))
    assert not gfp_legal(0x200)             # the unused bit


@settings(max_examples=25, deadline=None)
@given(config=machine_configs(), size=kmalloc_sizes(max_size=1 << 16))
def test_machine_configs_and_sizes_work(config, size):
    gen = checked_machine(**config)
    m = next(gen)
    p = m.kmalloc(size, cpu=config["cpus"] - 1)
    assert p is not None
    m.kfree(p)
    next(gen, None)
