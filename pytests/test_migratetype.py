# SPDX-License-Identifier: GPL-2.0-only
"""Migratetypes: gfp_migratetype(), pageblock ownership, fallbacks and
pageblock steals, HIGHATOMIC reserves (kernel.md §1.4, §3.5-§3.7).

vmstat names: pgalloc_extfrag counts fallback events (a request served from
another migratetype's free list), pgalloc_extfrag_claimed the pageblocks
that changed owner on the way.
"""
import pytest

from libmm import MIGRATETYPES, Machine
from mmutil import exhaust, zone_of


def _blocks(m, zone="NORMAL"):
    return zone_of(m, zone)["nr_pageblocks"]


def _total_blocks(z, pageblock_order):
    return -(-z["spanned"] // (1 << pageblock_order))


def test_boot_pageblocks_are_all_movable(machine):
    for z in machine.zones:
        if z["present"]:
            n = _total_blocks(z, machine.pageblock_order)
            assert z["nr_pageblocks"] == {"Unmovable": 0, "Movable": n,
                                          "Reclaimable": 0, "HighAtomic": 0,
                                          "Isolate": 0}
            assert sum(z["nr_free_mt"]["Movable"]) == sum(z["nr_free"])


def test_movable_requests_never_fall_back_on_a_fresh_machine(machine):
    before = machine.vmstat()
    pfns = [machine.alloc_pages(order=o, gfp="GFP_HIGHUSER_MOVABLE") for o in range(11)]
    after = machine.vmstat()
    assert after["pgalloc_extfrag"] == before["pgalloc_extfrag"]
    assert _blocks(machine)["Movable"] == _total_blocks(zone_of(machine, "NORMAL"), 9)
    for o, pfn in enumerate(pfns):
        machine.free_pages(pfn, order=o)


def test_first_unmovable_request_claims_a_whole_max_order_block(machine):
    """__rmqueue_fallback searches from the top order down: the order-10
    MOVABLE block found is >= pageblock_order, so both of its pageblocks
    change owner (change_pageblock_range)."""
    before = machine.vmstat()
    pfn = machine.alloc_pages(order=0, gfp="GFP_KERNEL")
    after = machine.vmstat()
    assert machine.page_zone(pfn) == "NORMAL"
    assert _blocks(machine)["Unmovable"] == 2
    assert after["pgalloc_extfrag"] - before["pgalloc_extfrag"] >= 1
    assert after["pgalloc_extfrag_claimed"] - before["pgalloc_extfrag_claimed"] >= 1
    types = zone_of(machine, "NORMAL")["nr_free_mt"]
    assert sum(types["Unmovable"]) > 0                    # the split remains
    pfn2 = machine.alloc_pages(order=0, gfp="GFP_KERNEL|__GFP_RECLAIMABLE")
    assert _blocks(machine)["Reclaimable"] == 2
    # a second unmovable request is served from the claimed blocks
    extfrag = machine.vmstat()["pgalloc_extfrag"]
    pfn3 = machine.alloc_pages(order=5, gfp="GFP_KERNEL")
    assert machine.vmstat()["pgalloc_extfrag"] == extfrag
    assert _blocks(machine)["Unmovable"] == 2
    machine.free_pages(pfn)
    machine.free_pages(pfn2)
    machine.free_pages(pfn3, order=5)


def test_smaller_max_order_claims_one_pageblock():
    with Machine(cpus=1, DMA=0, DMA32="16M", NORMAL="64M", max_page_order=9) as m:
        m.alloc_pages(gfp="GFP_KERNEL")
        assert _blocks(m)["Unmovable"] == 1


def test_mixed_pressure_steals_pageblocks(small_machine):
    m = small_machine
    before = m.vmstat()
    held = []
    for i in range(40000):
        gfp = ("GFP_KERNEL" if i % 3 == 0 else "GFP_HIGHUSER_MOVABLE"
               if i % 3 == 1 else "GFP_KERNEL|__GFP_RECLAIMABLE")
        pfn = m.alloc_pages(order=i % 3, gfp=gfp, cpu=i % 2)
        if pfn is None:
            break
        held.append((pfn, i % 3))
        if i % 5 == 0:                                   # holes everywhere
            m.free_pages(*held.pop(len(held) // 2), cpu=(i // 5) % 2)
    after = m.vmstat()
    fallbacks = after["pgalloc_extfrag"] - before["pgalloc_extfrag"]
    claimed = after["pgalloc_extfrag_claimed"] - before["pgalloc_extfrag_claimed"]
    assert fallbacks > 0 and claimed > 0
    for z in m.zones:
        if not z["present"]:
            continue
        blocks = z["nr_pageblocks"]
        assert sum(blocks.values()) == _total_blocks(z, m.pageblock_order)
        for o in range(m.max_order + 1):               # per-type lists add up
            assert sum(per[o] for per in z["nr_free_mt"].values()) == z["nr_free"][o]
    normal = _blocks(m)
    assert normal["Unmovable"] > 0 and normal["Reclaimable"] > 0 and normal["Movable"] > 0
    # pagetypeinfo tells the same story
    pti = m.pagetypeinfo()[(0, "NORMAL")]
    assert pti == zone_of(m, "NORMAL")["nr_free_mt"]
    for pfn, order in held:
        m.free_pages(pfn, order=order)
    m.drain_pages()
    m.validate()


def test_high_order_atomic_reserves_a_highatomic_pageblock():
    """An order > 0 request that cannot block, taking the slow path (the
    zone is below its low watermark), reserves its pageblock as HIGHATOMIC,
    up to managed/100 + one pageblock per zone (§3.7)."""
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="256M") as m:
        z = zone_of(m, "NORMAL")
        cap = z["managed"] // 100 + 512
        fill = exhaust(m, "GFP_KERNEL|__GFP_MOVABLE", order=4)
        assert zone_of(m, "NORMAL")["nr_pageblocks"]["HighAtomic"] == 0
        atomic = [m.alloc_pages(order=2, gfp="GFP_ATOMIC") for _ in range(50)]
        assert None not in atomic
        z = zone_of(m, "NORMAL")
        assert z["nr_pageblocks"]["HighAtomic"] >= 1
        assert z["nr_reserved_highatomic"] == 512 * z["nr_pageblocks"]["HighAtomic"]
        assert z["nr_reserved_highatomic"] < cap + 512
        assert sum(z["nr_free_mt"]["HighAtomic"]) > 0
        for pfn in atomic:
            m.free_pages(pfn, order=2)
        for pfn in fill:
            m.free_pages(pfn, order=4)
        m.drain_pages()
        # the reserve outlives the pressure: its pageblock does not merge
        # with a MOVABLE buddy at pageblock_order
        z = zone_of(m, "NORMAL")
        assert z["free"] == z["managed"]
        if z["nr_pageblocks"]["HighAtomic"] % 2:
            assert z["nr_free"][9] >= 1
        m.validate()


@pytest.mark.parametrize("lower", ["DMA32", "DMA"])
def test_nofragment_prefers_a_whole_pageblock_in_a_lower_zone(lower):
    """ALLOC_NOFRAGMENT (§3.6): with NORMAL preferred (and, on UMA, always;
    alloc_flags_nofragment assumes DMA32 is populated there), an unmovable
    request does not break into NORMAL's movable pageblocks while a whole
    pageblock can still be taken from a lower zone; only when that fails
    too does it retry without the flag."""
    sizes = {"DMA": 0, "DMA32": 0, lower: "32M"}
    with Machine(cpus=1, NORMAL="32M", **sizes) as m:
        held = []
        while True:                       # NORMAL full of movable pages
            pfn = m.alloc_pages(gfp="GFP_HIGHUSER_MOVABLE")
            if m.page_zone(pfn) != "NORMAL":
                m.free_pages(pfn)
                break
            held.append(pfn)
        for pfn in held[::2]:             # every other page back: order-0 holes
            m.free_pages(pfn)
        m.drain_pages()
        normal = zone_of(m, "NORMAL")
        assert normal["free"] > normal["high"] and max(
            o for o, n in enumerate(normal["nr_free"]) if n) < m.pageblock_order
        pfn = m.alloc_pages(gfp="GFP_KERNEL")
        assert m.page_zone(pfn) == lower
        assert zone_of(m, lower)["nr_pageblocks"]["Unmovable"] >= 1
        assert zone_of(m, "NORMAL")["nr_pageblocks"]["Unmovable"] == 0
        m.validate()
