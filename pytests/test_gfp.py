# SPDX-License-Identifier: GPL-2.0-only
"""GFP flags: values, text form, gfp_zone() zone selection, zonelist fallback,
__GFP_THISNODE and node placement (kernel.md §1, §2.3).
"""
import pytest

import libmm
from libmm import GFP, Machine
from mmutil import (BAD_ZONE_BITS, GFP_ZONE_TABLE, ZONE_NAMES, allowed_zones,
                    exhaust, snapshot, zone_of)

FOUR_ZONES = dict(cpus=2, DMA="16M", DMA32="64M", NORMAL="64M", MOVABLE="32M")
MOVABLE_KERNEL = "GFP_KERNEL|__GFP_MOVABLE"


def test_bit_values_are_the_kernels():
    bits = {"__GFP_DMA": 0x1, "__GFP_HIGHMEM": 0x2, "__GFP_DMA32": 0x4,
            "__GFP_MOVABLE": 0x8, "__GFP_RECLAIMABLE": 0x10, "__GFP_HIGH": 0x20,
            "__GFP_IO": 0x40, "__GFP_FS": 0x80, "__GFP_ZERO": 0x100,
            "__GFP_DIRECT_RECLAIM": 0x400, "__GFP_KSWAPD_RECLAIM": 0x800,
            "__GFP_NOWARN": 0x2000, "__GFP_NOFAIL": 0x8000,
            "__GFP_NORETRY": 0x10000, "__GFP_MEMALLOC": 0x20000,
            "__GFP_COMP": 0x40000, "__GFP_NOMEMALLOC": 0x80000,
            "__GFP_HARDWALL": 0x100000, "__GFP_THISNODE": 0x200000}
    for name, value in bits.items():
        assert GFP[name] == value, name
    assert GFP.GFP_KERNEL == 0xcc0
    assert GFP.GFP_ATOMIC == 0x820
    assert GFP.GFP_NOWAIT == 0x2800
    assert GFP.GFP_USER == 0x100cc0
    # 6.18 x86-64: __GFP_SKIP_KASAN is 0 (no KASAN_HW_TAGS), __GFP_NO_OBJ_EXT
    # the bit after __GFP_ZEROTAGS
    assert GFP.GFP_HIGHUSER_MOVABLE == 0x100cc0 | 0x2 | 0x8
    assert GFP.__GFP_ZEROTAGS == 0x800000 and GFP.__GFP_NO_OBJ_EXT == 0x1000000
    assert GFP.__GFP_SKIP_KASAN == GFP.__GFP_SKIP_ZERO == GFP.__GFP_NOLOCKDEP == 0
    assert GFP.GFP_DMA == 0x1 and GFP.GFP_DMA32 == 0x4
    assert GFP.GFP_TRANSHUGE_LIGHT == (GFP.GFP_HIGHUSER_MOVABLE | 0x40000 | 0x80000
                                       | 0x2000) & ~0xc00


@pytest.mark.parametrize("text", ["GFP_KERNEL", "GFP_KERNEL|__GFP_ZERO",
                                  "GFP_ATOMIC|__GFP_NOWARN", "GFP_HIGHUSER_MOVABLE",
                                  "GFP_DMA", "__GFP_THISNODE|GFP_NOWAIT"])
def test_text_parses_to_the_sum_of_its_words(machine, text):
    want = 0
    for word in text.split("|"):
        want |= GFP[word]
    assert machine.gfp(text) == want
    assert machine.gfp(libmm.gfp_text(want)) == want


def test_text_forms():
    assert libmm.gfp_text("GFP_KERNEL|__GFP_ZERO") == "GFP_KERNEL|__GFP_ZERO"
    # 6.18 values round-trip: what a 6.18 kernel prints for its bits
    assert libmm.gfp_text(0x100cca) == "GFP_HIGHUSER_MOVABLE"
    assert libmm.gfp_text(0x1000cc0) == "GFP_KERNEL|__GFP_NO_OBJ_EXT"
    assert libmm.gfp_text("GFP_HIGHUSER_MOVABLE|__GFP_SKIP_KASAN") == "GFP_HIGHUSER_MOVABLE"
    assert libmm.gfp_text(GFP.GFP_KERNEL) == "GFP_KERNEL"
    assert libmm.gfp_text("0xcc0") == "GFP_KERNEL"
    assert libmm.gfp_text(0) in ("none", "0", "0x0", "")     # trace: "none"


@pytest.mark.parametrize("text", ["GFP_KERNAL", "GFP_KERNEL|__GFP_BOGUS", "0xzz",
                                  "GFP_KERNEL|gfp_kernel"])
def test_unknown_words_are_refused(machine, text):
    before = snapshot(machine)
    with pytest.raises(ValueError) as e:
        machine.alloc_pages(gfp=text)
    assert text.split("|")[-1] in str(e.value)
    assert snapshot(machine) == before


def test_unknown_bits_are_refused(machine):
    before = snapshot(machine)
    for bits in (0x200, 1 << 25, 1 << 31):
        with pytest.raises(ValueError):
            machine.alloc_pages(gfp=int(GFP.GFP_KERNEL) | bits)
    assert snapshot(machine) == before


@pytest.mark.parametrize("bits", BAD_ZONE_BITS)
def test_illegal_zone_modifier_combinations(bits):
    with Machine(**FOUR_ZONES) as m:
        before = snapshot(m)
        with pytest.raises(ValueError):
            m.alloc_pages(gfp=int(GFP.GFP_KERNEL) | bits)
        assert snapshot(m) == before
        m.validate()


def test_named_illegal_combination(machine):
    with pytest.raises(ValueError, match="zone"):
        machine.alloc_pages(gfp="GFP_KERNEL|__GFP_DMA|__GFP_DMA32")
    with pytest.raises(ValueError, match="MOVABLE|RECLAIMABLE"):
        machine.alloc_pages(gfp="GFP_KERNEL|__GFP_MOVABLE|__GFP_RECLAIMABLE")


@pytest.mark.parametrize("bits", sorted(GFP_ZONE_TABLE))
def test_fresh_allocation_lands_in_the_highest_allowed_zone(bits):
    gfp = int(GFP.GFP_KERNEL) | bits
    with Machine(**FOUR_ZONES) as m:
        for order in (0, 3, 5):
            pfn = m.alloc_pages(order=order, gfp=gfp)
            assert m.page_zone(pfn) == ZONE_NAMES[GFP_ZONE_TABLE[bits]]
            m.free_pages(pfn, order=order)
        m.validate()


def test_highuser_movable_without_a_movable_zone_uses_normal(machine):
    pfn = machine.alloc_pages(gfp="GFP_HIGHUSER_MOVABLE")
    assert machine.page_zone(pfn) == "NORMAL"
    machine.free_pages(pfn)


def test_request_with_no_zone_fails_quietly():
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="16M") as m:
        assert m.alloc_pages(gfp="GFP_DMA") is None
        assert m.alloc_pages(gfp="GFP_KERNEL|GFP_DMA32") is None
        assert m.page_zone(m.alloc_pages(gfp="GFP_KERNEL")) == "NORMAL"


def test_fallback_walks_down_the_zonelist():
    """NORMAL -> DMA32 -> DMA once each zone reaches its low watermark (fast
    path), and every zone ends between its min(+reserve) mark and 15 pages
    above it (order-4 requests; kernel.md §2.3, §2.6)."""
    with Machine(**FOUR_ZONES) as m:
        order, seen, last_zone = 4, [], None
        for pfn in exhaust(m, MOVABLE_KERNEL, order=order):
            zone = m.page_zone(pfn)
            assert zone in allowed_zones(m.gfp(MOVABLE_KERNEL))
            if zone != last_zone:
                seen.append(zone)
                if last_zone is not None:
                    prev = zone_of(m, last_zone)
                    # fell through only once the previous zone hit its mark
                    assert prev["free"] - 15 <= prev["low"] + \
                        prev["lowmem_reserve"][2] + prev["boost"]
                last_zone = zone
        assert seen[:3] == ["NORMAL", "DMA32", "DMA"]
        for z in m.zones[:3]:
            mark = z["min"] + z["boost"] + z["lowmem_reserve"][2]
            assert mark <= z["free"] <= mark + 15, z
        assert zone_of(m, "MOVABLE")["free"] == zone_of(m, "MOVABLE")["managed"]
        m.validate()


def test_highuser_movable_starts_in_movable_and_uses_every_zone():
    with Machine(**FOUR_ZONES) as m:
        pfns = exhaust(m, "GFP_HIGHUSER_MOVABLE", order=4)
        assert m.page_zone(pfns[0]) == "MOVABLE"
        assert {m.page_zone(p) for p in pfns} == {"MOVABLE", "NORMAL", "DMA32", "DMA"}
        for p in pfns:
            m.free_pages(p, order=4)
        m.validate()


TWO_NODES = dict(cpus=2, nodes=2, DMA=0, DMA32=0, NORMAL="32M")


def test_cpus_are_spread_over_nodes_and_allocate_locally():
    with Machine(**TWO_NODES) as m:
        assert m.nr_nodes == 2
        assert {m.cpu_to_node(c) for c in range(2)} == {0, 1}
        for cpu in range(2):
            pfn = m.alloc_pages(cpu=cpu)
            assert m.page_node(pfn) == m.cpu_to_node(cpu)
        for node in range(2):
            assert m.page_node(m.alloc_pages(node=node, cpu=0)) == node
        with pytest.raises(ValueError, match="node"):
            m.alloc_pages(node=2)


def test_thisnode_stays_on_its_node_and_fails_when_full():
    with Machine(**TWO_NODES) as m:
        thisnode = MOVABLE_KERNEL + "|__GFP_THISNODE"
        pfns = exhaust(m, thisnode, order=4, node=0)
        assert pfns and {m.page_node(p) for p in pfns} == {0}
        assert m.alloc_pages(gfp=thisnode, node=0, order=4) is None
        # node 1 is untouched; a plain request for node 0 falls back to it
        assert all(z["free"] == z["managed"] for z in m.zones if z["node"] == 1)
        v0 = m.vmstat()
        pfn = m.alloc_pages(gfp=MOVABLE_KERNEL, node=0, order=4)
        assert pfn is not None and m.page_node(pfn) == 1
        v1 = m.vmstat()
        for counter in ("numa_miss", "numa_foreign", "numa_other"):   # cpu 0 is node 0's
            assert v1[counter] - v0[counter] == 1, counter
        assert v1["numa_hit"] == v0["numa_hit"]
        pfn = m.alloc_pages(gfp=thisnode, node=1, order=4)
        assert pfn is not None and m.page_node(pfn) == 1
        m.validate()
