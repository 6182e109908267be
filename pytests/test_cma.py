# SPDX-License-Identifier: GPL-2.0-only
"""The Contiguous Memory Allocator: CMA areas at boot, movable allocations
in CMA pageblocks under the balancing rule, cma_alloc/cma_release through
alloc_contig_range (isolation, migration, test_pages_isolated), failures
that say why, alloc_contig_pages and gigantic pages, the reports.

Numbers come from the kernel's code (6.18): __rmqueue() takes CMA first
when free CMA pages are more than half the zone's free pages (ALLOC_CMA:
movable requests only), else its own lists, then RMQUEUE_CMA;
__zone_watermark_unusable_free() does not count free CMA for requests
without ALLOC_CMA; cma_range_alloc() retries a busy range at bitmap_no +
mask + 1; __alloc_contig_migrate_range() migrates every movable folio of
the range before test_pages_isolated() finds the one it could not move.

The machine of most tests: one 64M NORMAL zone (16384 pages), no per-CPU
lists (every allocation goes through __rmqueue), a 16M area "cam" (4096
pages, pfn 0..4095): 12288 movable pages, 4096 CMA; min watermark 256.
"""
import errno

import pytest

from libmm import Machine

CAM = dict(cpus=1, DMA=0, DMA32=0, NORMAL="64M", pcp="off", cma_areas="cam:16M")
M0, C0, MIN = 12288, 4096, 256


@pytest.fixture
def cam():
    m = Machine(**CAM)
    try:
        yield m
        m.validate()
    finally:
        m.close()


def rmqueue_model(n, rule="half", movable=M0, cma=C0):
    """Where n order-0 movable allocations land, __rmqueue's way: CMA first
    while free CMA > half the free pages (half), never before the movable
    lists are empty (fallback), or always (first).  Returns (in CMA, M, C)."""
    in_cma = 0
    for _ in range(n):
        if cma and (rule == "first" or (rule == "half" and cma > (movable + cma) // 2)):
            cma -= 1
            in_cma += 1
        elif movable:
            movable -= 1
        else:
            cma -= 1
            in_cma += 1
    return in_cma, movable, cma


def in_area(m, pfns, name="cam"):
    a = next(a for a in m.cma_areas() if a["name"] == name)
    return [p for p in pfns if a["base_pfn"] <= p < a["base_pfn"] + a["count"]]


def fault_many(m, n):
    """A process with n order-0 pages at 0, 4K, ...: its PFNs by address,
    each page holding its own index."""
    p = m.process()
    pfns = []
    for i in range(n):
        pfns.append(p.fault(i * 4096))
        p.write(i * 4096, i.to_bytes(4, "little") * 4)
    return p, pfns


# ---- areas at boot ---------------------------------------------------------

def test_areas_reserved_at_boot_as_cma_pageblocks(cam):
    (a,) = cam.cma_areas()
    assert (a["name"], a["base_pfn"], a["count"], a["order_per_bit"]) == ("cam", 0, 4096, 0)
    assert (a["used"], a["maxchunk"], a["available"]) == (0, 4096, 4096)
    z = cam.zone(0, "NORMAL")
    assert z["nr_pageblocks"]["CMA"] == 8 and z["cma_pages"] == 4096
    assert z["nr_free_cma"] == 4096 and z["free"] == 16384
    # the pageblocks merge as they are freed: four order-10 CMA blocks
    assert cam.pagetypeinfo()[(0, "NORMAL")]["CMA"][10] == 4
    assert "CmaTotal:          16384 kB\nCmaFree:           16384 kB\n" in cam.text("meminfo")
    assert "\n        cma      4096\n" in cam.text("zoneinfo")
    assert "nr_free_cma  4096" in cam.text("zoneinfo")
    assert cam.vmstat()["nr_free_cma"] == 4096
    head = "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic" \
           "          CMA      Isolate \n"
    assert head in cam.text("pagetypeinfo")


def test_named_areas_default_area_and_placement():
    # bottom-up from the start of NORMAL (the kernel's placement above 4G),
    # the default area first; order_per_bit from the /N suffix
    with Machine(NORMAL="256M", cma="8M", cma_areas="camera:64M@0,display:32M/4") as m:
        areas = m.cma_areas()
        normal = m.zone(0, "NORMAL")["start_pfn"]
        assert [(a["name"], a["base_pfn"] - normal, a["count"], a["order_per_bit"])
                for a in areas] == [("reserved", 0, 2048, 0), ("camera", 2048, 16384, 0),
                                     ("display", 18432, 8192, 4)]
        assert m.config.endswith("cma=8M cma_areas=camera:64M@0,display:32M/4")
        assert Machine(m.config).cma_areas()[2]["order_per_bit"] == 4
        # the default area answers to None
        assert m.cma_alloc(None, 16) == normal
        m.cma_release(None, normal, 16)
        m.validate()


def test_no_cma_machine_reports_like_a_kernel_without_cma(machine):
    assert "CMA" not in machine.text("pagetypeinfo")
    assert "Cma" not in machine.text("meminfo")
    assert "CMA" not in machine.pagetypeinfo()[(0, "NORMAL")]
    assert machine.cma_areas() == []
    with pytest.raises(ValueError, match="no CMA areas"):
        machine.cma_alloc("cam", 1)


@pytest.mark.parametrize("config, words", [
    (dict(cma="lots"), "not a size"),
    (dict(cma_areas="cam16M"), "NAME:SIZE"),
    (dict(cma_areas="a:1M,a:2M"), "exists already"),
    (dict(cma_areas="a:1M@x"), "not a node"),
    (dict(cma_areas="a:1M/99"), "order_per_bit"),
    (dict(cma_areas="a:1M@3"), "node 3 does not exist"),
    (dict(NORMAL="16M", DMA32="16M", cma="64M"), "no room"),
    (dict(cma_balance="sometimes"), "cma_balance"),
    (dict(cma_areas=",".join("a%d:1M" % i for i in range(9))), "at most 8"),
])
def test_bad_cma_keys_are_refused(config, words):
    with pytest.raises(ValueError, match=words):
        Machine(**config)


# ---- the balancing rule ------------------------------------------------------

@pytest.mark.parametrize("rule, n, expected", [
    ("half", 10000, 904),           # CMA from allocation 8194 on, then every other one
    ("half", 14000, 2904),
    ("fallback", 10000, 0),         # the movable lists are not empty yet
    ("fallback", 14000, 1712),      # 14000 - 12288
    ("first", 10000, 4096),
])
def test_movable_allocations_fill_cma_under_the_balancing_rule(rule, n, expected):
    with Machine(cma_balance=rule, **CAM) as m:
        pfns = [m.alloc_pages(0, "GFP_HIGHUSER_MOVABLE") for _ in range(n)]
        assert None not in pfns
        assert len(in_area(m, pfns)) == expected == rmqueue_model(n, rule)[0]
        assert m.zone(0, "NORMAL")["nr_free_cma"] == C0 - expected
        m.validate()


@pytest.mark.parametrize("rule, in_cma, kernel_ok", [
    ("half", 904, 12288 - (10000 - 904) - MIN),     # 2936
    ("fallback", 0, 12288 - 10000 - MIN),           # 2032
])
def test_the_balancing_trade_off_both_ways(rule, in_cma, kernel_ok):
    """One workload (10000 user pages), two rules: half parks 904 of them in
    CMA, so GFP_KERNEL gets 904 more pages before the watermark (free
    non-CMA pages > min) stops it - and cma_alloc of the area must migrate
    those 904 first; fallback leaves CMA empty: nothing to migrate, 904
    fewer pages for GFP_KERNEL."""
    for measure in ("kernel", "cma"):
        with Machine(cma_balance=rule, **CAM) as m:
            p, pfns = fault_many(m, 10000)
            assert len(in_area(m, pfns)) == in_cma
            if measure == "kernel":
                got = 0
                while m.alloc_pages(0, "GFP_KERNEL|__GFP_NOWARN") is not None:
                    got += 1
                assert got == kernel_ok
            else:
                assert m.cma_alloc("cam", C0) == 0
                assert m.contig_info()["last"]["migrated"] == in_cma
            m.validate()
            p.close()


def test_half_rule_starts_at_the_kernels_threshold(cam):
    # before allocation k (0-based) CMA is taken when 4096 > (16384 - k) / 2:
    # the first CMA page is allocation k = 8193
    pfns = [cam.alloc_pages(0, "GFP_HIGHUSER_MOVABLE") for _ in range(8194)]
    assert in_area(cam, pfns[:8193]) == [] and len(in_area(cam, pfns)) == 1


def test_non_movable_allocations_never_land_in_cma(cam):
    # the watermark check holds back the free CMA pages from requests
    # without ALLOC_CMA: GFP_KERNEL succeeds while 12288 - k > min (256)
    got = []
    while True:
        pfn = cam.alloc_pages(0, "GFP_KERNEL|__GFP_NOWARN")
        if pfn is None:
            break
        got.append(pfn)
    assert len(got) == M0 - MIN and in_area(cam, got) == []
    assert cam.zone(0, "NORMAL")["nr_free_cma"] == C0
    # a movable request still gets memory: from CMA
    pfn = cam.alloc_pages(0, "GFP_HIGHUSER_MOVABLE")
    assert in_area(cam, [pfn]) == [pfn]
    # high orders: the CMA free lists count for ALLOC_CMA only
    assert cam.alloc_pages(3, "GFP_KERNEL|__GFP_NOWARN") is None
    assert in_area(cam, [cam.alloc_pages(3, "GFP_HIGHUSER_MOVABLE")])


def test_cma_pages_go_through_the_movable_pcp_list():
    # free_frozen_pages: a CMA page goes on the MOVABLE per-CPU list (its
    # type kept in the page); drained, it goes back to the CMA lists
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="64M", cma_areas="cam:16M",
                 cma_balance="first") as m:
        pfn = m.alloc_pages(0, "GFP_HIGHUSER_MOVABLE")
        assert in_area(m, [pfn]) == [pfn]
        m.free_pages(pfn)
        assert m.pcp(0)["count"] > 0
        assert m.alloc_pages(0, "GFP_HIGHUSER_MOVABLE") == pfn   # hot, from the list
        m.free_pages(pfn)
        m.drain_pages()
        assert m.zone(0, "NORMAL")["nr_free_cma"] == C0
        m.validate()


# ---- cma_alloc ------------------------------------------------------------------

def test_cma_alloc_migrates_movable_pages_contents_intact(cam):
    p, pfns = fault_many(cam, 10000)
    moved = {i: pfn for i, pfn in enumerate(pfns) if pfn < C0}
    assert len(moved) == 904                       # rmqueue_model(10000)
    before = cam.vmstat()["pgmigrate_success"]
    assert cam.cma_alloc("cam", 4096) == 0         # the whole area
    assert cam.vmstat()["pgmigrate_success"] - before == 904
    info = cam.contig_info()
    assert info["last"]["migrated"] == 904 and info["last"]["ret"] == 0
    # 904 folios, 32 isolated at a time: 29 migrate_pages() rounds
    assert info["last"]["tries"] == 29
    for i, pfn in moved.items():
        assert p.pfn(i * 4096) >= C0               # moved out of the area
        assert p.read(i * 4096, 16) == i.to_bytes(4, "little") * 4
    a = cam.cma_areas()[0]
    assert (a["used"], a["maxchunk"], a["available"], a["nr_allocations"]) == (4096, 0, 0, 1)
    assert (a["alloc_pages_success"], a["alloc_start"], a["alloc_finish"]) == (4096, 1, 1)
    assert cam.vmstat()["cma_alloc_success"] == 1
    cam.validate()
    cam.cma_release("cam", 0, 4096)
    a = cam.cma_areas()[0]
    assert (a["used"], a["available"], a["release_pages_success"], a["release"]) == \
        (0, 4096, 4096, 1)
    assert cam.zone(0, "NORMAL")["nr_free_cma"] == C0
    p.close()


def test_cma_alloc_fails_on_a_pinned_page_and_names_it(cam):
    p, pfns = fault_many(cam, 10000)
    addr = next(i for i, pfn in enumerate(pfns) if pfn < C0) * 4096
    pinned = p.pin(addr)                           # a plain (not FOLL_LONGTERM) pin
    assert pinned < C0
    assert cam.cma_alloc("cam", 4096) is None
    a = cam.cma_areas()[0]
    assert a["last_failure"] == {"ret": -errno.EBUSY, "reason": "pinned", "pfn": pinned}
    assert (a["alloc_pages_fail"], a["used"], a["available"]) == (4096, 0, 4096)
    assert cam.vmstat()["cma_alloc_fail"] == 1
    log = cam.dmesg()
    assert "cma_alloc: cam: alloc failed, req-size: 4096 pages, ret: -16" in log
    assert "pfn %#x is pinned" % pinned in log
    assert "number of available pages: 4096@0=> 4096 free of 4096 total pages" in log
    cam.validate()
    # the other pages did move (the kernel migrates before it finds the pin)
    assert in_area(cam, [f[1] for f in p.folios()]) == [pinned]
    p.unpin(addr)
    assert cam.cma_alloc("cam", 4096) == 0
    cam.cma_release("cam", 0, 4096)
    p.close()


def test_a_longterm_pin_moves_the_page_out_of_cma_first(cam):
    # folio_is_longterm_pinnable() is false in a CMA pageblock: FOLL_LONGTERM
    # migrates the folio to GFP_USER memory before pinning it
    p, pfns = fault_many(cam, 10000)
    i = next(i for i, pfn in enumerate(pfns) if pfn < C0)
    pinned = p.pin(i * 4096, longterm=True)
    assert pinned >= C0 and p.read(i * 4096, 16) == i.to_bytes(4, "little") * 4
    assert cam.cma_alloc("cam", 4096) == 0
    cam.cma_release("cam", 0, 4096)
    p.unpin(i * 4096)
    p.close()


def test_an_unowned_movable_page_is_unmovable(cam):
    # a __GFP_MOVABLE page nobody registered as movable cannot migrate
    pfns = [cam.alloc_pages(0, "GFP_HIGHUSER_MOVABLE") for _ in range(8194)]
    assert pfns[-1] < C0
    assert cam.cma_alloc("cam", C0, no_warn=True) is None
    assert cam.cma_areas()[0]["last_failure"] == {"ret": -errno.EBUSY, "reason": "unmovable",
                                                  "pfn": pfns[-1]}
    assert "alloc failed" not in cam.dmesg()       # no_warn
    for pfn in pfns:
        cam.free_pages(pfn)


def test_busy_range_retried_one_alignment_further():
    # every CMA page in use (cma_balance=first), one pinned in pageblock 0:
    # cma_range_alloc() tries bits 0..511, migrates the 511 it can, finds
    # the pin (test_pages_isolated), retries at 0 + 511 + 1 = 512
    with Machine(cma_balance="first", **CAM) as m:
        p, pfns = fault_many(m, C0)
        assert sorted(pfns) == list(range(C0))
        addr = pfns.index(5) * 4096
        p.pin(addr)
        before = m.vmstat()["pgmigrate_success"]
        assert m.cma_alloc("cam", 512, align=9) == 512
        assert m.vmstat()["pgmigrate_success"] - before == 511 + 512
        a = m.cma_areas()[0]
        assert (a["alloc_busy_retry"], a["alloc_pages_success"], a["used"]) == (1, 512, 512)
        m.validate()
        m.cma_release("cam", 512, 512)
        p.unpin(addr)
        p.close()
        m.validate()


def test_order_per_bit_and_alignment():
    with Machine(cpus=1, NORMAL="64M", cma_areas="huge:8M/9") as m:
        base = m.cma_areas()[0]["base_pfn"]
        # 1 page takes a whole bit: 512 pages of the bitmap
        assert m.cma_alloc("huge", 1) == base
        assert m.cma_areas()[0]["used"] == 512
        assert m.cma_alloc("huge", 600) == base + 512       # two bits
        assert m.cma_areas()[0]["used"] == 1536
        m.validate()
        m.cma_release("huge", base, 1)
        m.cma_release("huge", base + 512, 600)
        assert m.cma_areas()[0]["used"] == 0
        m.validate()


def test_cma_alloc_misuse_is_refused(cam):
    pfn = cam.cma_alloc("cam", 8)
    with pytest.raises(ValueError, match="no CMA area named 'nope'"):
        cam.cma_alloc("nope", 1)
    with pytest.raises(ValueError, match="bad request"):
        cam.cma_alloc("cam", 0)
    with pytest.raises(ValueError, match="not inside the area"):
        cam.cma_release("cam", 9000, 8)
    with pytest.raises(ValueError, match="belongs to a contiguous range"):
        cam.free_pages(pfn)
    with pytest.raises(ValueError, match="cma_release"):
        cam.free_contig_range(pfn, 8)
    cam.cma_release("cam", pfn, 8)
    with pytest.raises(ValueError, match="not part of one live allocation"):
        cam.cma_release("cam", pfn, 8)                    # double release
    assert cam.cma_alloc("cam", C0 + 1) is None           # larger than the area
    cam.validate()


@pytest.mark.parametrize("bad", [1.0, "1", True, None, b"1"])
def test_counts_pfns_and_nodes_are_integers(cam, bad):
    with pytest.raises(TypeError):
        cam.cma_alloc("cam", bad)
    if bad is not None:
        with pytest.raises(TypeError):
            cam.cma_alloc("cam", 1, align=bad)
        with pytest.raises(TypeError):
            cam.alloc_contig_pages(16, node=bad)
    with pytest.raises(TypeError):
        cam.cma_release("cam", bad, 1)
    with pytest.raises(TypeError):
        cam.alloc_contig_range(bad, 8)
    with pytest.raises(TypeError):
        cam.free_contig_range(0, bad)
    with pytest.raises(TypeError):
        cam.alloc_contig_pages(bad)
    with pytest.raises(ValueError, match="name must be a str"):
        cam.cma_alloc(b"cam", 1)


# ---- alloc_contig_range, alloc_contig_pages ------------------------------------------

def test_alloc_contig_range_movable_and_partial_free():
    with Machine(cpus=1, NORMAL="64M") as m:
        start = m.zone(0, "NORMAL")["start_pfn"] + 4096
        p = m.process()
        for i in range(64):
            p.fault(i * 4096)
        owned = [pfn for _, pfn, _, _ in p.folios()]
        lo = min(owned) & ~511
        assert m.alloc_contig_range(lo, lo + 512, "Movable")
        assert all(not lo <= p.pfn(i * 4096) < lo + 512 for i in range(64))
        m.validate()
        m.free_contig_range(lo + 100, 12)                 # a hole in the middle
        assert m.contig_info()["nr_ranges"] == 2 and m.contig_info()["nr_pages"] == 500
        m.validate()
        m.free_contig_range(lo, 100)
        m.free_contig_range(lo + 112, 400)
        assert m.contig_info()["nr_ranges"] == 0
        # an unmovable page refuses the isolation of its pageblock
        k = m.alloc_pages(0, "GFP_KERNEL")
        kb = k & ~511
        assert m.alloc_contig_range(kb, kb + 512, "Movable") is False
        assert m.contig_info()["last"]["reason"] == "unmovable"
        assert m.contig_info()["last"]["pfn"] == k
        assert "alloc_contig_range: [%#x, %#x) failed (-16): pfn %#x is unmovable" % (
            kb, kb + 512, k) in m.dmesg()
        with pytest.raises(ValueError, match="not inside one zone"):
            m.alloc_contig_range(start - 4096 - 8, start - 4096 + 8)
        with pytest.raises(ValueError, match="neither CMA nor|must be"):
            m.alloc_contig_range(start, start + 8, "Unmovable")
        with pytest.raises(ValueError, match="not reclaim or action"):
            m.alloc_contig_range(start, start + 8, gfp="GFP_KERNEL|__GFP_NOFAIL")
        with pytest.raises(ValueError, match="power-of-two"):
            m.alloc_contig_range(start, start + 24, gfp="GFP_KERNEL|__GFP_COMP")
        m.free_pages(k)
        p.close()
        m.validate()


def test_alloc_contig_pages_and_a_gigantic_page():
    # 1 GiB: order 18, above max_page_order; the walk starts at the zone's
    # first 1G-aligned pfn (alloc_contig_pages)
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="3G", backing="none") as m:
        pfn = m.alloc_contig_pages(1 << 18, "GFP_KERNEL|__GFP_COMP")
        assert pfn == 0
        assert m.zone(0, "NORMAL")["free"] == 2 << 18
        m.validate()
        second = m.alloc_contig_pages(1 << 18, "GFP_KERNEL|__GFP_COMP")
        assert second == 1 << 18                            # the next candidate
        with pytest.raises(ValueError, match="compound one is freed whole"):
            m.free_contig_range(pfn, 512)
        m.free_contig_range(pfn, 1 << 18)
        m.free_contig_range(second, 1 << 18)
        assert m.zone(0, "NORMAL")["free"] == 3 << 18 == 786432
        assert m.alloc_contig_pages(4 << 18) is None        # more than the zone
        m.validate()


def test_alloc_contig_pages_skips_ranges_it_cannot_take():
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="16M") as m:
        k = m.alloc_pages(0, "GFP_KERNEL")                  # pfn 0: in the first 2M
        assert k < 512
        pfn = m.alloc_contig_pages(512, "GFP_KERNEL|__GFP_NOWARN")
        assert pfn == 512                                   # the second candidate
        m.free_contig_range(pfn, 512)
        m.free_pages(k)
        m.validate()


# ---- a state machine ---------------------------------------------------------------

from hypothesis import strategies as st                              # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule  # noqa: E402

SLOTS = 256                     # user pages of the process: addresses 0 .. 1M


class CmaModel(RuleBasedStateMachine):
    """cma_alloc/cma_release of two areas (one with order_per_bit 2), with
    movable churn (a process faulting, writing, unmapping, pinning pages)
    and plain unmovable allocations; a model of the areas' live allocations
    and of the process's contents.  After every step: validate() (bitmaps
    against the allocations, nothing unmovable in a CMA pageblock), no
    unmovable page in an area, every page's contents intact, and a
    successful cma_alloc inside its area, aligned, disjoint from the others."""

    def __init__(self):
        super().__init__()
        self.m = Machine(cpus=2, DMA=0, DMA32=0, NORMAL="16M",
                         cma_areas="a:4M,b:2M/2", cma_balance="first")
        self.area = {a["name"]: a for a in self.m.cma_areas()}
        self.p = self.m.process()
        self.data = {}          # slot -> bytes written
        self.pins = {}          # slot -> pins
        self.allocs = []        # (area, pfn, count)
        self.kernel = []        # unmovable pages

    def teardown(self):
        self.m.close()

    def _in(self, name, pfn):
        a = self.area[name]
        return a["base_pfn"] <= pfn < a["base_pfn"] + a["count"]

    @rule(slot=st.integers(0, SLOTS - 1), byte=st.integers(0, 255), cpu=st.integers(0, 1))
    def fault(self, slot, byte, cpu):
        if slot in self.data:
            return
        if self.p.fault(slot * 4096, cpu=cpu) is None:
            return
        self.p.write(slot * 4096, bytes([byte]) * 8)
        self.data[slot] = bytes([byte]) * 8

    @rule(slot=st.integers(0, SLOTS - 1))
    def unmap(self, slot):
        if slot not in self.data or self.pins.get(slot):
            return
        self.p.unmap(slot * 4096, 4096)
        del self.data[slot]

    @rule(slot=st.integers(0, SLOTS - 1), longterm=st.booleans())
    def pin(self, slot, longterm):
        if slot not in self.data or self.pins.get(slot, 0) >= 2:
            return
        try:
            pfn = self.p.pin(slot * 4096, longterm=longterm)
        except ValueError:
            # a FOLL_LONGTERM pin must first migrate the folio out of CMA,
            # which an earlier pin on it forbids: refused, nothing changed
            assert longterm and self.pins.get(slot)
            return
        if longterm:    # folio_is_longterm_pinnable(): never in CMA
            assert not any(self._in(n, pfn) for n in self.area)
        self.pins[slot] = self.pins.get(slot, 0) + 1

    @rule(slot=st.integers(0, SLOTS - 1))
    def unpin(self, slot):
        if self.pins.get(slot):
            self.p.unpin(slot * 4096)
            self.pins[slot] -= 1

    @rule(n=st.integers(1, 8))
    def kernel_alloc(self, n):
        for _ in range(n):
            pfn = self.m.alloc_pages(0, "GFP_KERNEL|__GFP_NOWARN")
            if pfn is not None:
                assert not any(self._in(a, pfn) for a in self.area)
                self.kernel.append(pfn)

    @rule()
    def kernel_free(self):
        if self.kernel:
            self.m.free_pages(self.kernel.pop())

    @rule(name=st.sampled_from(["a", "b"]), count=st.sampled_from([1, 3, 64, 200, 512, 1024]),
          align=st.sampled_from([0, 2, 9]), cpu=st.integers(0, 1))
    def cma_alloc(self, name, count, align, cpu):
        pfn = self.m.cma_alloc(name, count, align=align, no_warn=True, cpu=cpu)
        if pfn is None:
            last = self.m.cma_areas()[0 if name == "a" else 1]["last_failure"]
            assert last["ret"] in (-16, -12)
            return
        assert self._in(name, pfn) and self._in(name, pfn + count - 1)
        assert (pfn - self.area[name]["base_pfn"]) % (1 << max(align,
                                                      self.area[name]["order_per_bit"])) == 0
        for n, q, c in self.allocs:
            assert pfn + count <= q or q + c <= pfn
        self.allocs.append((name, pfn, count))

    @rule(data=st.data())
    def cma_release(self, data):
        if not self.allocs:
            return
        i = data.draw(st.integers(0, len(self.allocs) - 1))
        name, pfn, count = self.allocs.pop(i)
        self.m.cma_release(name, pfn, count)

    @rule()
    def double_release(self):
        if self.allocs:
            name, pfn, count = self.allocs[0]
            self.m.cma_release(name, pfn, count)
            with pytest.raises(ValueError, match="not part of one live allocation"):
                self.m.cma_release(name, pfn, count)
            self.allocs.pop(0)

    @invariant()
    def consistent(self):
        self.m.validate()
        for slot, data in self.data.items():
            assert self.p.read(slot * 4096, len(data)) == data
        for a in self.m.cma_areas():
            live = [c for n, _, c in self.allocs if n == a["name"]]
            assert a["available"] == a["count"] - sum(live)
            assert a["nr_allocations"] == len(live)


TestCmaModel = CmaModel.TestCase
