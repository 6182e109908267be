# SPDX-License-Identifier: GPL-2.0-only
"""Watermarks and lowmem_reserve: the numbers (kernel.md §2.4, §2.5) and
what they do to allocations (§1.5, §2.6).

Expected values are computed here from the kernel formulas (mmutil), never
pasted; the one pasted table (the default machine) is checked against the
formulas first, as a test of the test.
"""
import pytest

from libmm import GFP, Machine
from mmutil import (LOWMEM_RESERVE_RATIO, default_min_free_kbytes, exhaust,
                    expected_lowmem_reserve, expected_watermarks, free_total,
                    managed_total, pcp_total, reserve_mark, zone_of)

ONE_ZONE = dict(cpus=2, DMA=0, DMA32=0, NORMAL="64M")
MOVABLE_KERNEL = "GFP_KERNEL|__GFP_MOVABLE"


def _check(m, **formula_args):
    ratios = formula_args.pop("ratios", LOWMEM_RESERVE_RATIO)
    wm = expected_watermarks(m.zones, **formula_args)
    res = expected_lowmem_reserve(m.zones, ratios)
    for z in m.zones:
        key = (z["node"], z["name"])
        assert (z["min"], z["low"], z["high"]) == wm[key], key
        assert z["lowmem_reserve"] == res[key], key


def test_default_machine_numbers(machine):
    zones = machine.zones
    assert default_min_free_kbytes(zones) == 4096
    wm = expected_watermarks(zones)
    assert wm[(0, "DMA")] == (16, 20, 24)                 # the formulas agree
    assert wm[(0, "DMA32")] == (240, 301, 362)            # with kernel.md's
    assert wm[(0, "NORMAL")] == (768, 964, 1160)          # worked example
    res = expected_lowmem_reserve(zones)
    assert res[(0, "DMA")] == [0, 240, 1008, 1008]
    assert res[(0, "DMA32")] == [0, 0, 768, 768]
    assert res[(0, "NORMAL")] == [0, 0, 0, 0]
    _check(machine)


@pytest.mark.parametrize("kw, args", [
    (dict(min_free_kbytes=8192), dict(min_free_kbytes=8192)),
    (dict(min_free_kbytes=1000), dict(min_free_kbytes=1000)),
    (dict(watermark_scale_factor=200), dict(scale_factor=200)),
    (dict(watermark_scale_factor=3000, min_free_kbytes=600),
     dict(scale_factor=3000, min_free_kbytes=600)),
    (dict(lowmem_reserve_ratio="128:64:16"), dict(ratios=(128, 64, 16, 0))),
    (dict(lowmem_reserve_ratio="0:1:0"), dict(ratios=(0, 1, 0, 0))),
    (dict(lowmem_reserve_ratio="32:32:32:32"), dict(ratios=(32, 32, 32, 32))),
])
def test_config_keys_change_the_numbers(kw, args):
    with Machine(cpus=2, DMA="16M", DMA32="64M", NORMAL="128M", MOVABLE="32M",
                 **kw) as m:
        _check(m, **args)


@pytest.mark.parametrize("kw", [
    dict(NORMAL="2G"), dict(DMA=0, DMA32="2M", NORMAL=0),
    dict(nodes=3, DMA="16M", DMA32="32M", NORMAL="32M"),
    dict(DMA="16M", DMA32="4080M", NORMAL="12G", MOVABLE="4G", backing="none"),
])
def test_formulas_hold_for_other_shapes(kw):
    with Machine(cpus=2, **kw) as m:
        _check(m)


def test_gfp_kernel_fails_at_min_while_reserves_still_succeed():
    """Order-4 requests (no per-CPU lists) make the boundary exact: a zone
    stops at free in [mark, mark + 15] (free - 15 <= mark refuses)."""
    with Machine(**ONE_ZONE) as m:
        z = zone_of(m, "NORMAL")
        assert z["lowmem_reserve"] == [0, 0, 0, 0]
        ladder = [MOVABLE_KERNEL,                                # 100 % of min
                  MOVABLE_KERNEL + "|__GFP_HIGH",                # 50 %
                  "__GFP_HIGH|__GFP_KSWAPD_RECLAIM|__GFP_MOVABLE"]  # GFP_ATOMIC: 37.5 %
        marks = [reserve_mark(z["min"], m.gfp(g)) for g in ladder]
        assert marks == [z["min"], z["min"] - z["min"] // 2,
                         z["min"] - z["min"] // 2 - (z["min"] - z["min"] // 2) // 4]
        for gfp, mark in zip(ladder, marks):
            got = exhaust(m, gfp, order=4)
            assert got, gfp                 # the previous step left it room
            free = zone_of(m, "NORMAL")["free"]
            assert mark <= free <= mark + 15, (gfp, free, mark)
            assert m.alloc_pages(order=4, gfp=MOVABLE_KERNEL) is None
        # no reserve right at all: __GFP_NOMEMALLOC beats __GFP_MEMALLOC
        assert m.alloc_pages(gfp=MOVABLE_KERNEL + "|__GFP_MEMALLOC|__GFP_NOMEMALLOC",
                             order=4) is None
        assert m.vmstat()["pgalloc_normal"] == managed_total(m) - zone_of(m, "NORMAL")["free"]
        m.validate()


def test_memalloc_ignores_the_watermarks():
    with Machine(**ONE_ZONE) as m:
        exhaust(m, MOVABLE_KERNEL, order=4)
        assert exhaust(m, MOVABLE_KERNEL + "|__GFP_MEMALLOC", order=3)
        assert free_total(m) == 0                      # nothing held back
        fails = m.vmstat()["pgalloc_fail"]
        assert m.alloc_pages(gfp="GFP_ATOMIC|__GFP_MEMALLOC") is None
        assert m.vmstat()["pgalloc_fail"] == fails + 1
        m.validate()


def test_memalloc_takes_everything_once_highatomic_is_given_back():
    """__GFP_MEMALLOC ignores the watermarks; when the only free pages left
    sit in a HIGHATOMIC reserve, the slow path gives the reserve back (force,
    once the reclaim retries are spent; order 0 is not costly) and retries
    with ALLOC_NO_WATERMARKS again (reserve_flags are re-applied on every
    retry of __alloc_pages_slowpath), so every page can go."""
    with Machine(cpus=2, DMA=0, DMA32=0, NORMAL="256M") as m:  # 1% > a pageblock
        exhaust(m, MOVABLE_KERNEL, order=4)
        exhaust(m, "GFP_ATOMIC|__GFP_MOVABLE", order=4)   # reserves a pageblock
        z = zone_of(m, "NORMAL")
        assert z["nr_reserved_highatomic"] > 0
        assert sum(z["nr_free_mt"]["HighAtomic"]) > 0
        got = exhaust(m, MOVABLE_KERNEL + "|__GFP_MEMALLOC", order=0)
        assert got and free_total(m) == 0
        assert zone_of(m, "NORMAL")["nr_reserved_highatomic"] == 0
        m.validate()


def test_order0_gfp_kernel_fails_at_min_and_atomic_goes_deeper():
    with Machine(**ONE_ZONE) as m:
        z = zone_of(m, "NORMAL")
        got = exhaust(m, "GFP_KERNEL")
        free = zone_of(m, "NORMAL")["free"]
        batch = m.pcp(0)["batch"]
        assert free <= z["min"]                     # the failing check
        # at most a pcp refill below: nr_pcp_alloc() takes up to batch << 5
        assert free >= z["min"] - (batch << 5)
        # pages left on the CPU's list stay there: no reclaim progress, so
        # no drain_all_pages()
        assert pcp_total(m) < batch << 5
        atomic = exhaust(m, "GFP_ATOMIC")
        assert atomic, "GFP_ATOMIC must still succeed below GFP_KERNEL's limit"
        assert zone_of(m, "NORMAL")["free"] <= reserve_mark(z["min"], GFP.GFP_ATOMIC)
        assert free_total(m) == managed_total(m) - len(got) - len(atomic)
        m.validate()


def test_gfp_nowait_has_no_reserve_rights():
    with Machine(**ONE_ZONE) as m:
        z = zone_of(m, "NORMAL")
        exhaust(m, "GFP_NOWAIT|__GFP_MOVABLE", order=4)
        assert z["min"] <= zone_of(m, "NORMAL")["free"] <= z["min"] + 15


def test_lowmem_reserve_protects_the_lower_zones(small_machine):
    """NORMAL-capable requests leave DMA and DMA32 at min + lowmem_reserve
    [NORMAL]; requests that may only use the lower zone still get it."""
    m = small_machine
    got = exhaust(m, MOVABLE_KERNEL, order=4)
    zones = {z["name"]: z for z in m.zones}
    for name in ("NORMAL", "DMA32", "DMA"):
        z = zones[name]
        mark = z["min"] + z["boost"] + z["lowmem_reserve"][2]
        assert mark <= z["free"] <= mark + 15, name
    assert zones["DMA"]["lowmem_reserve"][2] > 0
    assert zones["DMA"]["free"] >= zones["DMA"]["lowmem_reserve"][2]
    dma32 = exhaust(m, "GFP_KERNEL|GFP_DMA32|__GFP_MOVABLE", order=4)
    assert dma32 and {m.page_zone(p) for p in dma32} <= {"DMA32", "DMA"}
    dma = exhaust(m, "GFP_KERNEL|GFP_DMA|__GFP_MOVABLE", order=4)
    assert dma and {m.page_zone(p) for p in dma} == {"DMA"}
    z = zone_of(m, "DMA")
    assert z["min"] <= z["free"] <= z["min"] + 15
    assert len(got) > 0
    m.validate()


def test_watermark_boundary_is_strict():
    """free == mark + reserve must fail (kernel.md §8.3): a zone left at
    exactly min after order-0 requests refuses the next one."""
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="16M", pcp="off") as m:
        z = zone_of(m, "NORMAL")
        exhaust(m, MOVABLE_KERNEL)
        assert zone_of(m, "NORMAL")["free"] == z["min"]


def test_thp_raises_min_free_kbytes_like_khugepaged():
    """set_recommended_min_free_kbytes() with THP enabled: 3 zones x (2 +
    3 x 3) pageblocks = 16896 pages, under 5% of nr_free_buffer_pages():
    min_free_kbytes 67584.  The zones of a real 6.18 x86-64 machine's
    zoneinfo (DMA 3840, DMA32 772918, Normal 524288 managed pages, 2 CPUs)
    get its exact numbers: min/low/high 49/61/73, 10037/12546/15055,
    6808/8510/10212, high_min 30/6273/4255, high_max 240/48307/32768.
    thp=never keeps sqrt(16 * lowmem kbytes)."""
    sizes = dict(cpus=2, DMA="15M", DMA32="%dK" % (772918 * 4), NORMAL="2G")
    want = {"DMA": (49, 61, 73, 30, 240), "DMA32": (10037, 12546, 15055, 6273, 48307),
            "NORMAL": (6808, 8510, 10212, 4255, 32768)}
    for thp in ("always", "madvise"):
        with Machine(thp=thp, **sizes) as m:
            assert m.report()["machine"]["min_free_kbytes"] == 67584
            for name, w in want.items():
                z, p = zone_of(m, name), m.pcp(0, 0, name)
                assert (z["min"], z["low"], z["high"], p["high_min"], p["high_max"]) == w, name
    with Machine(thp="never", **sizes) as m:
        assert m.report()["machine"]["min_free_kbytes"] == default_min_free_kbytes(m.zones)
    with Machine(thp="always", min_free_kbytes=1024, **sizes) as m:   # the user's sysctl wins
        assert m.report()["machine"]["min_free_kbytes"] == 1024
