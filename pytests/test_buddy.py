# SPDX-License-Identifier: GPL-2.0-only
"""The buddy allocator: boot layout, split (expand) and merge, alignment,
max order, compound pages, __GFP_ZERO, and every kind of bad free
(kernel.md §3; lib/test_free_pages.c and lib/test_meminit.c, ported).

Every refused call must leave the machine exactly as it was (snapshot) and
validate() clean; the fixtures validate once more at teardown.
"""
import pytest

from libmm import CorruptionError, Machine
from mmutil import aligned_blocks, free_total, managed_total, snapshot, zone_of

DMA_MOVABLE = "GFP_KERNEL|GFP_DMA|__GFP_MOVABLE"


def test_boot_layout_is_maximal_aligned_blocks(machine):
    for z in machine.zones:
        if z["present"]:
            assert z["managed"] == z["present"] == z["spanned"]
            assert z["nr_free"] == aligned_blocks(z["start_pfn"], z["spanned"],
                                                  machine.max_order), z["name"]
    assert machine.buddyinfo()[(0, "DMA")] == [0] * 10 + [4]


@pytest.mark.parametrize("order", [4, 7, 10])
def test_split_keeps_the_lowest_part_and_frees_the_upper_halves(small_machine, order):
    m = small_machine
    boot = m.buddyinfo()
    pfn = m.alloc_pages(order=order, gfp=DMA_MOVABLE)
    assert pfn % 1024 == 0 and m.page_zone(pfn) == "DMA"
    want = [0] * order + [1] * (10 - order) + [3]
    assert m.buddyinfo()[(0, "DMA")] == want
    m.free_pages(pfn, order=order)
    assert m.buddyinfo() == boot


def test_buddies_merge_back(small_machine):
    m = small_machine
    boot = m.buddyinfo()
    a = m.alloc_pages(order=4, gfp=DMA_MOVABLE)
    b = m.alloc_pages(order=4, gfp=DMA_MOVABLE)
    assert b == a ^ 16                         # the buddy left by expand()
    m.free_pages(a, order=4)
    assert m.buddyinfo() != boot
    m.free_pages(b, order=4)
    assert m.buddyinfo() == boot


def test_order0_round_trip_through_the_pcp(small_machine):
    m = small_machine
    boot, total = m.buddyinfo(), managed_total(m)
    pfn = m.alloc_pages(order=0, gfp=DMA_MOVABLE)
    assert free_total(m) == total - 1
    m.free_pages(pfn)
    assert free_total(m) == total
    m.drain_pages()
    assert m.buddyinfo() == boot


def test_free_pages_does_not_leak(small_machine):
    """lib/test_free_pages.c: many order-3 alloc/free cycles, then the free
    counts are back at their baseline."""
    m = small_machine
    boot, total = m.buddyinfo(), managed_total(m)
    for gfp in ("GFP_KERNEL", "GFP_KERNEL|__GFP_COMP"):
        for i in range(2000):
            pfn = m.alloc_pages(order=3, gfp=gfp, cpu=i % 2)
            assert pfn % 8 == 0
            m.free_pages(pfn, order=3, cpu=(i // 2) % 2)
        assert free_total(m) == total
    m.drain_pages()
    assert m.buddyinfo() == boot


def test_every_order_is_aligned(small_machine):
    m = small_machine
    got = []
    for order in range(m.max_order + 1):
        for gfp in ("GFP_KERNEL", "GFP_HIGHUSER_MOVABLE", "GFP_KERNEL|GFP_DMA32"):
            pfn = m.alloc_pages(order=order, gfp=gfp)
            assert pfn % (1 << order) == 0
            got.append((pfn, order))
    spans = sorted((p, p + (1 << o)) for p, o in got)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))   # no overlap
    for pfn, order in got:
        m.free_pages(pfn, order=order)


def test_max_page_order_is_configurable():
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="16M", max_page_order=5) as m:
        assert m.max_order == 5 and m.pageblock_order == 5
        assert m.buddyinfo()[(0, "NORMAL")] == [0] * 5 + [128]
        pfn = m.alloc_pages(order=5)
        with pytest.raises(ValueError, match="order"):
            m.alloc_pages(order=6)
        m.free_pages(pfn, order=5)
        m.validate()


# ---- bad input ------------------------------------------------------------


@pytest.fixture
def busy(small_machine):
    """small_machine holding a few blocks: {name: (pfn, order)}."""
    m = small_machine
    held = {"o0": (m.alloc_pages(order=0), 0),
            "o2": (m.alloc_pages(order=2), 2),
            "o4": (m.alloc_pages(order=4, gfp="GFP_HIGHUSER_MOVABLE"), 4),
            "comp": (m.alloc_pages(order=3, gfp="GFP_KERNEL|__GFP_COMP"), 3)}
    freed0 = m.alloc_pages(order=0)
    m.free_pages(freed0)                           # now on a per-CPU list
    freed4 = m.alloc_pages(order=4)
    m.free_pages(freed4, order=4)                  # back in the buddy
    held["freed0"], held["freed4"] = (freed0, 0), (freed4, 4)
    yield m, held
    for name, (pfn, order) in held.items():
        if not name.startswith("freed"):
            m.free_pages(pfn, order=order)


def _refused(m, exc, pfn, order, match=None):
    before = snapshot(m)
    with pytest.raises(exc, match=match) as e:
        m.free_pages(pfn, order=order)
    assert snapshot(m) == before
    m.validate()
    return str(e.value)


def test_double_free_on_a_pcp_list(busy):
    m, held = busy
    text = _refused(m, CorruptionError, *held["freed0"], match="double free")
    assert text in m.dmesg()


def test_double_free_in_the_buddy(busy):
    m, held = busy
    _refused(m, CorruptionError, *held["freed4"])
    m.drain_pages()
    _refused(m, CorruptionError, *held["freed0"])


def test_free_with_the_wrong_order(busy):
    m, held = busy
    pfn, _ = held["o2"]
    for order in (0, 1, 3):
        _refused(m, CorruptionError, pfn, order, match="order")


def test_free_inside_a_block(busy):
    m, held = busy
    pfn, _ = held["o2"]
    for inner in (1, 2, 3):
        _refused(m, CorruptionError, pfn + inner, 0)
    _refused(m, CorruptionError, held["o4"][0] + 8, 3)


def test_free_of_a_compound_tail(busy):
    m, held = busy
    head, _ = held["comp"]
    for tail in (1, 7):
        _refused(m, CorruptionError, head + tail, 0, match="tail")
    _refused(m, CorruptionError, head, 2)            # the head, wrong order


def test_free_of_a_never_allocated_page(busy):
    m, _ = busy
    z = zone_of(m, "NORMAL")
    _refused(m, CorruptionError, z["start_pfn"] + z["spanned"] - 1, 0)


def test_free_outside_the_machine(busy):
    m, _ = busy
    for pfn in (m.nr_pages, m.nr_pages + 1024, 1 << 40):
        _refused(m, ValueError, pfn, 0)
    _refused(m, ValueError, -1, 0)


def test_bad_orders(busy):
    m, held = busy
    pfn, _ = held["o0"]
    _refused(m, ValueError, pfn, m.max_order + 1)
    _refused(m, ValueError, pfn, -1)
    before = snapshot(m)
    for order in (m.max_order + 1, 64, -1):
        with pytest.raises(ValueError):
            m.alloc_pages(order=order)
    assert snapshot(m) == before


def test_machine_works_after_refusals(busy):
    m, held = busy
    for name in ("freed0", "freed4", "o2"):
        with pytest.raises(CorruptionError):
            m.free_pages(held[name][0] + (1 if name == "o2" else 0), order=0)
    pfn = m.alloc_pages(order=5)
    m.free_pages(pfn, order=5)
    m.validate()


# ---- prep_new_page: compound, zeroing ---------------------------------------

def test_compound_block_frees_whole_and_its_pages_are_reusable(small_machine):
    m = small_machine
    boot = m.buddyinfo()
    for order in (1, 3, 9, 10):
        pfn = m.alloc_pages(order=order, gfp="GFP_KERNEL|__GFP_COMP")
        m.free_pages(pfn, order=order)
    m.drain_pages()
    assert m.buddyinfo() == boot
    pfns = [m.alloc_pages(order=0) for _ in range(64)]   # former tails included
    for pfn in pfns:
        m.free_pages(pfn)


GARBAGE = bytes([0x9E, 0xBA, 0xA7, 0x09]) * 1024             # one page of it


def test_gfp_zero_on_dirty_memory(small_machine):
    """lib/test_meminit.c test_pages: dirty, free, re-allocate zeroed."""
    m = small_machine
    dirty = set()
    for pfn in [p for p in iter(lambda: m.alloc_pages(gfp="GFP_KERNEL|GFP_DMA"), None)]:
        m.write(m.page_address(pfn), GARBAGE)
        dirty.add(pfn)
    for pfn in dirty:
        m.free_pages(pfn)
    reused = 0
    for pfn in iter(lambda: m.alloc_pages(gfp="GFP_KERNEL|GFP_DMA|__GFP_ZERO"), None):
        assert m.read(m.page_address(pfn), 4096) == bytes(4096), pfn
        reused += pfn in dirty
    assert reused > len(dirty) * 9 // 10


@pytest.mark.parametrize("order", range(11))
def test_gfp_zero_every_order(small_machine, order):
    m = small_machine
    size = 4096 << order
    pfn = m.alloc_pages(order=order)
    m.write(m.page_address(pfn), GARBAGE * (1 << order))
    m.free_pages(pfn, order=order)
    again = m.alloc_pages(order=order, gfp="GFP_KERNEL|__GFP_ZERO")
    assert m.read(m.page_address(again), size) == bytes(size)
    m.free_pages(again, order=order)


def test_without_gfp_zero_memory_keeps_its_contents(small_machine):
    m = small_machine
    pfn = m.alloc_pages(order=0)
    m.write(m.page_address(pfn), GARBAGE)
    m.free_pages(pfn)
    again = m.alloc_pages(order=0)                   # LIFO per-CPU list
    assert again == pfn
    assert m.read(m.page_address(again), 4096) == GARBAGE
    m.free_pages(again)


@pytest.mark.parametrize("kw", [
    dict(max_page_order=0, DMA=0, DMA32=0, NORMAL="1M"),
    dict(max_page_order=1),
    dict(max_page_order=15, NORMAL="512M"),
    dict(DMA=0, DMA32=0, NORMAL="4100K"),                # not a pageblock multiple
    dict(nodes=64, cpus=256, DMA="2M", DMA32="2M", NORMAL="2M", MOVABLE="2M"),
])
def test_edge_shapes_boot_and_cycle(kw):
    with Machine(**kw) as m:
        for z in m.zones:
            if z["present"]:
                assert z["nr_free"] == aligned_blocks(z["start_pfn"], z["spanned"],
                                                      m.max_order), z["name"]
        boot, orders = m.buddyinfo(), m.max_order + 1
        got = [(m.alloc_pages(order=i % orders, cpu=i % m.nr_cpus), i % orders)
               for i in range(60)]
        for i, (pfn, order) in enumerate(got):
            if pfn is not None:
                assert pfn % (1 << order) == 0
                m.free_pages(pfn, order=order, cpu=(i + 1) % m.nr_cpus)
        m.drain_pages()
        assert m.buddyinfo() == boot
        m.validate()
