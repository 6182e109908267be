# SPDX-License-Identifier: GPL-2.0-only
"""MIGRATE_ISOLATE (kernel.md §3.8): isolating pageblocks moves their free
pages to the Isolate lists and out of the free count, pages freed into them
bypass the per-CPU lists and stay isolated, nothing is allocated from them,
an unmovable page refuses the isolation, and undo merges everything back."""
import pytest

from libmm import Machine


def zone(m, name="NORMAL"):
    return next(z for z in m.zones if z["name"] == name)


def test_isolate_and_undo_restores_everything():
    with Machine(cpus=2, DMA="0", DMA32="0", NORMAL="32M") as m:
        boot = m.buddyinfo()
        start = zone(m)["start_pfn"] + 2048
        m.start_isolate_page_range(start, start + 1024)
        z = zone(m)
        assert z["free"] == z["managed"] - 1024
        assert m.pagetypeinfo()[(0, "NORMAL")]["Isolate"][9] == 2
        assert m.test_pages_isolated(start, start + 1024)
        got = []
        while (p := m.alloc_pages(0, gfp="GFP_KERNEL|__GFP_NOWARN", cpu=1)) is not None:
            got.append(p)
        assert not [p for p in got if start <= p < start + 1024]
        m.validate()
        for p in got:
            m.free_pages(p, cpu=0)
        m.undo_isolate_page_range(start, start + 1024)
        m.drain_pages()
        assert m.buddyinfo() == boot
        assert zone(m)["free"] == zone(m)["managed"]
        m.validate()


def test_unmovable_page_refuses_isolation(small_machine):
    m = small_machine
    pfn = m.alloc_pages(0, gfp="GFP_KERNEL")
    before = m.pagetypeinfo()
    with pytest.raises(ValueError, match="unmovable page at pfn"):
        m.start_isolate_page_range(pfn, pfn + 1)
    assert m.pagetypeinfo() == before
    m.free_pages(pfn)


def test_movable_page_freed_into_an_isolated_block_stays_isolated(small_machine):
    m = small_machine
    pfn = m.alloc_pages(0, gfp="GFP_HIGHUSER_MOVABLE", cpu=0)
    start = pfn & ~511
    m.start_isolate_page_range(start, start + 512)
    assert not m.test_pages_isolated(start, start + 512)
    m.free_pages(pfn, cpu=0)
    assert m.test_pages_isolated(start, start + 512)
    with pytest.raises(ValueError, match="already isolated"):
        m.start_isolate_page_range(start, start + 1)
    m.undo_isolate_page_range(start, start + 512)
    m.validate()


def test_bad_ranges(small_machine):
    m = small_machine
    with pytest.raises(ValueError, match="bad pfn range"):
        m.start_isolate_page_range(10, 5)
    with pytest.raises(ValueError, match="not inside one zone"):
        m.start_isolate_page_range(0, m.nr_pages)
