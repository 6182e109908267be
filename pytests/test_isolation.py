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


@pytest.mark.parametrize("policy", ["6.18", "6.5"])
def test_undo_one_of_two_isolated_pageblocks_merged_above_pageblock_order(policy):
    """Free blocks of two isolated pageblocks merge (__free_one_page only
    refuses to merge an unmergeable type with another type): pageblock 1 is
    isolated while free, pageblock 0 once its two pages wait on a per-CPU
    list; the drain frees them into the Isolate lists and they merge into
    one order-10 block over both.  Undoing pageblock 1 alone must split
    that block first (__move_freepages_block_isolate's "tail block in a
    larger buddy"): pageblock 0's half stays on the Isolate list, pageblock
    1's goes back to its own type's list."""
    with Machine(cpus=1, DMA="0", DMA32="0", NORMAL="8M",
                 page_alloc_policy=policy) as m:
        pages = [m.alloc_pages(0, gfp="GFP_KERNEL") for _ in range(2)]
        assert pages == [0, 1]
        m.start_isolate_page_range(512, 513)
        for p in pages:
            m.free_pages(p)
        m.start_isolate_page_range(0, 1)
        assert m.pagetypeinfo()[(0, "NORMAL")]["Isolate"][10] == 1
        m.validate()
        m.undo_isolate_page_range(512, 513)
        m.validate()
        pti = m.pagetypeinfo()[(0, "NORMAL")]
        assert pti["Isolate"][9] == 1 and pti["Isolate"][10] == 0
        assert m.test_pages_isolated(0, 512)
        m.undo_isolate_page_range(0, 1)
        m.validate()
        assert m.buddyinfo()[(0, "NORMAL")] == [0] * 10 + [2]     # all of 8M
