# SPDX-License-Identifier: GPL-2.0-only
"""Per-CPU lists across CPUs: a cross-CPU free lands on the
freeing CPU's list, pages parked on lists are invisible to GFP_ATOMIC but
drained by GFP_KERNEL's slow path, zoneinfo's pagesets, binding errors, and
real Python threads bound to distinct CPUs (libmm runs without the GIL)
doing random alloc/free with cross-CPU frees."""
import random
import threading

import pytest

from mmutil import pcp_total
from libmm import Machine


def test_cross_cpu_free_goes_to_the_freeing_cpu(machine):
    pfn = machine.alloc_pages(0, cpu=0)
    before = machine.pcp(2, 0, "NORMAL")["count"]
    machine.free_pages(pfn, cpu=2)
    assert machine.pcp(2, 0, "NORMAL")["count"] == before + 1
    assert machine.alloc_pages(0, cpu=2) == pfn      # hot page, LIFO


def test_pages_parked_on_another_cpu_need_a_drain():
    """Order-1 requests on this 8M zone (batch 1) refill one block at a time,
    so exhausting it leaves nothing on CPU 0's lists."""
    with Machine(cpus=2, DMA="0", DMA32="0", NORMAL="8M") as m:
        held = []
        while (p := m.alloc_pages(1, gfp="GFP_KERNEL|__GFP_NOWARN", cpu=0)) is not None:
            held.append(p)
        assert pcp_total(m) == 0
        for p in held[:14]:     # 14: the 16th would be a free_high flush
            m.free_pages(p, order=1, cpu=1)       # parked on CPU 1's list
        z = m.zones[2]
        assert m.pcp(1, 0, "NORMAL")["count"] == 28
        assert z["free"] <= z["min"] + 2
        # GFP_KERNEL on CPU 0 fails the watermark everywhere; the kernel
        # drains every CPU's lists only after direct reclaim made progress
        # (__alloc_pages_direct_reclaim), and there is nothing to reclaim:
        # the request fails with 28 pages parked on CPU 1
        assert m.alloc_pages(1, gfp="GFP_KERNEL|__GFP_NOWARN", cpu=0) is None
        assert m.pcp(1, 0, "NORMAL")["count"] == 28
        m.drain_pages()                          # drain_all_pages() by hand
        assert m.pcp(1, 0, "NORMAL")["count"] == 0
        got = m.alloc_pages(1, gfp="GFP_KERNEL", cpu=0)
        assert got is not None
        m.free_pages(got, order=1, cpu=0)
        for p in held[14:]:
            m.free_pages(p, order=1, cpu=0)
        m.drain_pages()
        m.validate()


def test_zoneinfo_shows_pagesets(machine):
    """6.18's pageset lines: high is 0 until the list is used, then
    nr_pcp_alloc() raised it from high_min (252) by the refill (63)."""
    machine.alloc_pages(0, cpu=2)
    text = machine.text("zoneinfo")
    assert ("\n  pagesets\n    cpu: 0\n              count:    0\n"
            "              high:     0\n              batch:    63\n"
            "              high_min: 252\n              high_max: 6144\n") in text
    assert ("    cpu: 2\n              count:    62\n              high:     315\n"
            "              batch:    63\n") in text


def test_binding_errors():
    with Machine(cpus=2) as m:
        with pytest.raises(ValueError, match="CPU 5 does not exist"):
            m.alloc_pages(0, cpu=5)
        m.validate()


@pytest.mark.parametrize("nthreads", [2, 4])
def test_threads_with_cross_cpu_frees(nthreads):
    m = Machine(cpus=4, DMA="16M", DMA32="64M", NORMAL="64M")
    boot = m.buddyinfo()
    lock = threading.Lock()
    shared, errors, owned = [], [], set()

    def take(pfn, order):
        with lock:
            block = set(range(pfn, pfn + (1 << order)))
            assert not block & owned, "page handed out twice"
            owned.update(block)

    def give(pfn, order):
        with lock:
            owned.difference_update(range(pfn, pfn + (1 << order)))

    def worker(cpu):
        rng = random.Random(cpu)
        mine = []
        try:
            for _ in range(3000):
                r = rng.random()
                if r < 0.45:
                    order = rng.randrange(4)
                    pfn = m.alloc_pages(order, cpu=cpu)
                    if pfn is not None:
                        take(pfn, order)
                        mine.append((pfn, order))
                elif r < 0.7 and mine:
                    pfn, order = mine.pop(rng.randrange(len(mine)))
                    give(pfn, order)
                    m.free_pages(pfn, order, cpu=cpu)
                elif r < 0.85 and mine:
                    with lock:
                        shared.append(mine.pop())
                else:
                    with lock:
                        item = shared.pop() if shared else None
                    if item:
                        give(*item)
                        m.free_pages(item[0], item[1], cpu=cpu)
            for pfn, order in mine:
                give(pfn, order)
                m.free_pages(pfn, order, cpu=cpu)
        except Exception as e:      # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(c,)) for c in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for pfn, order in shared:
        m.free_pages(pfn, order, cpu=0)
    m.validate()
    m.drain_pages()
    m.validate()
    assert m.buddyinfo() == boot
    m.close()
