# SPDX-License-Identifier: GPL-2.0-only
"""The page allocator's policies of 6.18 against the 6.5 ones behind
page_alloc_policy=6.5 (and single switches, pa_<name>=): the fallback
between migratetypes (__rmqueue's NORMAL/CLAIM/STEAL modes of 6.15 against
__rmqueue_fallback), freelist hygiene (6.10), the HIGHATOMIC reserve (6.8,
6.12, 6.13 and the 2025 fix), defrag_mode and the slow path's retries.
Every scenario's numbers are derived in its docstring from the functions of
mm/page_alloc.c it exercises.

The small machines have pcp=off, so each request reaches the buddy lists
as it is made, and min_free_kbytes=128: NORMAL=16M has min 32, low 40,
high 48 pages.
"""
import pytest

from libmm import Machine
from mmutil import zone_of

OLD = dict(page_alloc_policy="6.5")
SMALL = dict(cpus=1, DMA=0, DMA32=0, NORMAL="16M", pcp="off", min_free_kbytes=128)


def pages(counts):
    return sum(n << o for o, n in enumerate(counts))


def delta(m, before, name):
    return m.vmstat()[name] - before[name]


def filled(**kw):
    """SMALL filled with movable order-0 pages: __rmqueue_smallest hands
    them out from PFN 0 up until free <= min (32): 4064 allocated, the last
    32 pages (PFN 4064) one order-5 block of pageblock 7."""
    m = Machine(**dict(SMALL, **kw))
    n = 0
    while m.alloc_pages(0, "GFP_HIGHUSER_MOVABLE|__GFP_NOWARN") is not None:
        n += 1
    z = zone_of(m, "NORMAL")
    assert (n, z["free"], z["nr_free"][5]) == (4064, 32, 1)
    return m


def with_holes(**kw):
    """...and 100 holes in pageblock 2: every 4th page of PFN 1024..1420,
    order-0 MOVABLE blocks that cannot merge."""
    m = filled(**kw)
    for k in range(100):
        m.free_pages(1024 + 4 * k)
    return m


# ---- fallback: claim, then steal -----------------------------------------

def test_steal_takes_one_page_and_leaves_the_pageblock_alone():
    """6.18: GFP_KERNEL (unmovable) with no unmovable free page.  With
    ALLOC_NOFRAGMENT (UMA, NORMAL preferred) __rmqueue_claim() only looks at
    whole pageblocks and STEAL is skipped, so get_page_from_freelist()
    retries without it.  __rmqueue_claim() then walks down from order 10:
    the order-5 block's pageblock 7 counts 32 free + 0 alike (480 movable
    pages) < 256, the order-0 hole at its head (the last freed, PFN 1420)
    counts 100 free in pageblock 2 < 256: try_to_claim_block() moves
    nothing either time.  __rmqueue_steal() takes the smallest fallback
    block, that very order-0 page: one extfrag event, no pageblock changes
    owner, nothing lands on the Unmovable lists."""
    with with_holes() as m:
        before = m.vmstat()
        assert m.alloc_pages(0, "GFP_KERNEL") == 1420
        z = zone_of(m, "NORMAL")
        assert z["nr_pageblocks"]["Unmovable"] == 0
        assert pages(z["nr_free_mt"]["Unmovable"]) == 0
        assert z["nr_free_mt"]["Movable"] == [99, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
        assert (delta(m, before, "pgalloc_extfrag"),
                delta(m, before, "pgalloc_extfrag_claimed")) == (1, 0)
        m.validate()


def test_6_5_fallback_moves_the_pageblock_before_testing_it():
    """6.5: __rmqueue_fallback() takes the largest fallback block, the
    order-5 one at PFN 4064; steal_suitable_fallback() moves every free
    block of pageblock 7 (those 32 pages) to the Unmovable lists, then finds
    32 + 0 < 256 and does not retype it; __rmqueue_smallest() splits the
    block there: PFN 4064 out, 31 pages (orders 4, 3, 2, 1, 0) left on
    Unmovable lists inside a pageblock still typed Movable.  The next
    unmovable request takes from them (PFN 4065) without a fallback."""
    with with_holes(**OLD) as m:
        before = m.vmstat()
        assert m.alloc_pages(0, "GFP_KERNEL") == 4064
        z = zone_of(m, "NORMAL")
        assert z["nr_pageblocks"]["Unmovable"] == 0
        assert z["nr_free_mt"]["Unmovable"] == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
        assert (delta(m, before, "pgalloc_extfrag"),
                delta(m, before, "pgalloc_extfrag_claimed")) == (1, 0)
        assert m.alloc_pages(0, "GFP_KERNEL") == 4065
        assert delta(m, before, "pgalloc_extfrag") == 1
        m.validate()


def test_6_10_fallback_counts_first():
    """page_alloc_policy=6.5 pa_freelist_hygiene=1 is the 6.10-6.14
    fallback: the same largest block, but steal_suitable_fallback() counts
    before it moves (32 + 0 < 256: nothing moves) and splits the block on
    its own type's lists (page_del_and_expand): PFN 4064 out, 31 pages left
    on the Movable lists, where hygiene wants them."""
    with with_holes(page_alloc_policy="6.5", pa_freelist_hygiene=1) as m:
        assert m.alloc_pages(0, "GFP_KERNEL") == 4064
        z = zone_of(m, "NORMAL")
        assert pages(z["nr_free_mt"]["Unmovable"]) == 0
        assert z["nr_free_mt"]["Movable"][:5] == [101, 1, 1, 1, 1]
        m.validate()


@pytest.mark.parametrize("policy, pfn, unmovable_free", [({}, 1832, 299), (OLD, 4065, 30)])
def test_claim_takes_a_half_free_pageblock(policy, pfn, unmovable_free):
    """Freeing PFN 1536..1835 (300 pages of pageblock 3: blocks of order 8,
    5, 3, 2) after the steal above.  6.18: __rmqueue_claim() meets the
    order-8 block first; try_to_claim_block() counts 300 free >= 256,
    moves them and retypes pageblock 3; __rmqueue_smallest() splits the
    order-2 block: PFN 1832 out, 299 pages on Unmovable lists.  6.5 still
    has 30 pages of its earlier fallback on Unmovable lists and takes PFN
    4065 from them."""
    with with_holes(**policy) as m:
        m.alloc_pages(0, "GFP_KERNEL")
        for p in range(1536, 1836):
            m.free_pages(p)
        before = m.vmstat()
        assert m.alloc_pages(0, "GFP_KERNEL") == pfn
        z = zone_of(m, "NORMAL")
        assert pages(z["nr_free_mt"]["Unmovable"]) == unmovable_free
        assert z["nr_pageblocks"]["Unmovable"] == (0 if policy else 1)
        assert delta(m, before, "pgalloc_extfrag_claimed") == (0 if policy else 1)
        m.validate()


# ---- freelist hygiene ------------------------------------------------------

@pytest.mark.parametrize("policy", [{}, OLD])
@pytest.mark.parametrize("first", ["unmovable", "movable"])
def test_merging_buddies_match_types(policy, first):
    """Seven movable order-9 blocks take pageblocks 0..6 (splitting the
    order-10 blocks from the bottom), then an unmovable one (__GFP_MEMALLOC:
    past the watermarks) claims pageblock 7, the last order-9 block.  Free
    it and its movable buddy at PFN 3072: __free_one_page() merges them
    into an order-10 block.  6.18 retypes the buddy's pageblock to the
    freeing block's type ("match buddy type"): the block and both of its
    pageblocks end up with the type of the one freed last.  6.5 does not:
    freeing the movable half last leaves an order-10 block on the Unmovable
    list over the Movable pageblock 6 (only pageblock 7 is Unmovable)."""
    with Machine(**dict(SMALL, **policy)) as m:
        mov = [m.alloc_pages(9, "GFP_HIGHUSER_MOVABLE") for _ in range(7)]
        assert mov == [0, 512, 1024, 1536, 2048, 2560, 3072]
        unmov = m.alloc_pages(9, "GFP_KERNEL|__GFP_MEMALLOC")
        assert unmov == 3584 and zone_of(m, "NORMAL")["nr_pageblocks"]["Unmovable"] == 1
        for pfn in ([unmov, mov[6]] if first == "unmovable" else [mov[6], unmov]):
            m.free_pages(pfn, order=9)
        z = zone_of(m, "NORMAL")
        last = "Movable" if first == "unmovable" else "Unmovable"
        assert z["nr_free"][10] == 1 and z["nr_free_mt"][last][10] == 1
        if not policy:
            assert z["nr_pageblocks"]["Unmovable"] == (2 if last == "Unmovable" else 0)
        else:
            assert z["nr_pageblocks"]["Unmovable"] == 1    # whatever the list
        m.validate()


@pytest.mark.parametrize("policy, list_", [({}, "Unmovable"), (OLD, "Movable")])
def test_a_drain_frees_under_the_pageblock_type_of_the_moment(policy, list_):
    """free_pcppages_bulk() reads get_pfnblock_migratetype() when it drains
    (6.10+); 6.5 used the type cached when the page reached the list.  On a
    12M machine (three order-10 blocks), CPU 1 frees PFN 0 of the Movable
    pageblock 0 to its list; CPU 0 takes five movable order-9 blocks (PFN
    512 up: no order-9 or -10 block is left) and then an unmovable page:
    __rmqueue_claim() finds pageblock 0's order-8 block, counts 511 free
    pages and claims pageblock 0.  The drain returns PFN 0 to the Unmovable
    list of its now Unmovable pageblock (6.18), or to the Movable list
    (6.5)."""
    with Machine(cpus=2, DMA=0, DMA32=0, NORMAL="12M", min_free_kbytes=128, **policy) as m:
        assert m.alloc_pages(0, "GFP_HIGHUSER_MOVABLE", cpu=1) == 0
        m.free_pages(0, cpu=1)
        got = [m.alloc_pages(9, "GFP_HIGHUSER_MOVABLE", cpu=0) for _ in range(5)]
        assert got == [512, 1024, 1536, 2048, 2560]
        assert m.alloc_pages(0, "GFP_KERNEL", cpu=0) == 1
        assert zone_of(m, "NORMAL")["nr_pageblocks"]["Unmovable"] == 1
        m.drain_pages()
        z = zone_of(m, "NORMAL")
        assert z["nr_free_mt"][list_][0] == 1
        assert z["nr_free_mt"]["Unmovable" if policy else "Movable"][0] == 0
        m.validate()


def test_isolation_keeps_the_type():
    """Isolation is a pageblock bit of its own (6.16+): undoing it gives
    back the type the pageblock had, HighAtomic included."""
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="32M") as m:
        pfn = m.alloc_pages(0, "GFP_KERNEL|__GFP_RECLAIMABLE")
        m.free_pages(pfn)
        m.drain_pages()
        z = zone_of(m, "NORMAL")
        assert z["nr_pageblocks"]["Reclaimable"] == 2        # an order-10 claim
        start = pfn & ~511
        m.start_isolate_page_range(start, start + 512)
        assert zone_of(m, "NORMAL")["nr_pageblocks"]["Reclaimable"] == 1
        m.validate()
        m.undo_isolate_page_range(start, start + 512)
        assert zone_of(m, "NORMAL")["nr_pageblocks"]["Reclaimable"] == 2
        # the older API's explicit type: pageblock 0 becomes Movable, and
        # its free order-9 block, re-freed, merges with pageblock 1's:
        # "match buddy type" makes that one Movable too
        m.start_isolate_page_range(start, start + 512)
        m.undo_isolate_page_range(start, start + 512, migratetype="Movable")
        z = zone_of(m, "NORMAL")
        assert z["nr_pageblocks"]["Reclaimable"] == 0 and z["nr_free_mt"]["Movable"][10] >= 1
        m.validate()


# ---- HIGHATOMIC -------------------------------------------------------------

def big(**kw):
    """NORMAL=256M (65536 pages, min_free_kbytes=128: min 32, low 97) filled
    with movable order-4 blocks down to min, then one order-4 block freed in
    each of pageblocks 10, 20, ..., 70: 144 free pages above low."""
    m = Machine(cpus=1, DMA=0, DMA32=0, NORMAL="256M", pcp="off", min_free_kbytes=128, **kw)
    held = []
    while (p := m.alloc_pages(4, "GFP_KERNEL|__GFP_MOVABLE|__GFP_NOWARN")) is not None:
        held.append(p)
    for pb in range(10, 80, 10):
        m.free_pages(next(x for x in held if x >> 9 == pb), order=4)
    assert zone_of(m, "NORMAL")["free"] == 144
    return m


@pytest.mark.parametrize("policy, cap", [({}, 1024), (OLD, 1536)])
def test_highatomic_cap(policy, cap):
    """reserve_highatomic_pageblock() after each high-order GFP_ATOMIC
    allocation of the slow path: 6.8+ caps the reserve at ALIGN(65536/100,
    512) = 1024 pages (2 pageblocks), 6.5 at 655 + 512 checked before
    adding, i.e. 3 pageblocks.  The first 11 requests pass the low
    watermark in the fast attempt (no ALLOC_HIGHATOMIC); the 12th reserves
    pageblock 70, its last free pages serve the next ones, then pageblocks
    60 and 50 are reached."""
    with big(**policy) as m:
        for _ in range(20):
            assert m.alloc_pages(2, "GFP_ATOMIC") is not None
        z = zone_of(m, "NORMAL")
        assert z["nr_reserved_highatomic"] == cap
        assert z["nr_pageblocks"]["HighAtomic"] == cap // 512
        m.validate()


@pytest.mark.parametrize("policy, reserved", [({}, 0), (OLD, 512)])
def test_only_gfp_high_reserves(policy, reserved):
    """2025 fix: ALLOC_HIGHATOMIC only with ALLOC_MIN_RESERVE (__GFP_HIGH).
    GFP_NOWAIT order 2 below the low watermark (GFP_KERNEL order 2 took the
    zone there) reserves a pageblock in 6.5, not in 6.18."""
    with big(**policy) as m:
        while zone_of(m, "NORMAL")["free"] >= zone_of(m, "NORMAL")["low"]:
            m.alloc_pages(2, "GFP_KERNEL")
        assert m.alloc_pages(2, "GFP_NOWAIT") is not None
        assert zone_of(m, "NORMAL")["nr_reserved_highatomic"] == reserved
        m.validate()


def test_a_16m_zone_reserves_nothing():
    """1% of 4096 pages is 40, under a pageblock: 6.8+ reserves nothing;
    6.5 reserved up to 40 + 512."""
    for policy, want in (({}, 0), (OLD, 512)):
        with Machine(cpus=1, DMA="16M", DMA32=0, NORMAL=0, pcp="off", **policy) as m:
            while m.alloc_pages(4, "GFP_KERNEL|__GFP_MOVABLE|__GFP_NOWARN") is not None:
                pass
            for _ in range(10):
                m.alloc_pages(2, "GFP_ATOMIC|__GFP_NOWARN")
            assert zone_of(m, "DMA")["nr_reserved_highatomic"] == want
            m.validate()


@pytest.mark.parametrize("policy, free", [({}, 44), (OLD, 92)])
def test_watermarks_hold_back_free_highatomic_pages(policy, free):
    """__zone_watermark_unusable_free(): 6.12+ subtracts nr_free_highatomic,
    6.5 nr_reserved_highatomic.  The 12th atomic request reserved pageblock
    70 with its last free block, the 13th reserved pageblock 60 and left 12
    of its pages free (1024 reserved, 12 free highatomic, 92 free in all).
    GFP_KERNEL order 0 stops at free - 12 == min (32): 44 free (6.18); 6.5
    holds back all 1024 reserved pages and refuses at once."""
    with big(**policy) as m:
        for _ in range(13):
            m.alloc_pages(2, "GFP_ATOMIC")
        z = zone_of(m, "NORMAL")
        assert (z["nr_reserved_highatomic"], z["nr_free_highatomic"], z["free"]) == (1024, 12, 92)
        while m.alloc_pages(0, "GFP_KERNEL|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY") is not None:
            pass
        assert zone_of(m, "NORMAL")["free"] == free
        m.validate()


@pytest.mark.parametrize("policy, free", [({}, 384), (OLD, 508)])
def test_order0_atomic_may_use_the_reserve(policy, free):
    """rmqueue_buddy() (6.13+): when __rmqueue() fails, an order-0
    ALLOC_NON_BLOCK request takes the HIGHATOMIC lists.  min_free_kbytes
    4096 (min 1024): the fill leaves one order-10 block; GFP_ATOMIC order 2
    claims it and reserves its first pageblock (508 free highatomic pages,
    512 plain ones).  GFP_ATOMIC order 0 may go down to 1024 - 512 - 128 =
    384 free: 6.18 reaches that through the reserve; 6.5 stops when only
    the 508 highatomic pages are left."""
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="256M", pcp="off", min_free_kbytes=4096,
                 **policy) as m:
        while m.alloc_pages(4, "GFP_KERNEL|__GFP_MOVABLE|__GFP_NOWARN") is not None:
            pass
        m.alloc_pages(2, "GFP_ATOMIC")
        z = zone_of(m, "NORMAL")
        assert (z["free"], z["nr_free_highatomic"]) == (1020, 508)
        while m.alloc_pages(0, "GFP_ATOMIC|__GFP_NOWARN") is not None:
            pass
        assert zone_of(m, "NORMAL")["free"] == free
        m.validate()


# ---- the slow path and defrag_mode --------------------------------------------

@pytest.mark.parametrize("defrag, retries", [(0, 0), (1, 17)])
def test_defrag_mode_falls_back_only_after_reclaim_retries(defrag, retries):
    """defrag_mode=1 (6.15): ALLOC_NOFRAGMENT everywhere, not dropped by
    get_page_from_freelist(); the unmovable request on the holed machine
    fails, and should_reclaim_retry() (the min watermark passes) sends it
    round 16 times (MAX_RECLAIM_RETRIES), then the slow path drops
    ALLOC_NOFRAGMENT (a 17th round) and the same steal happens."""
    with with_holes(defrag_mode=defrag) as m:
        before = m.vmstat()
        assert m.alloc_pages(0, "GFP_KERNEL") == 1420
        assert delta(m, before, "pgalloc_retry") == retries
        assert delta(m, before, "pgalloc_extfrag") == 1
        m.validate()


def test_defrag_mode_claims_whole_pageblocks_first():
    """With defrag_mode an unmovable request takes a whole free pageblock
    of a lower zone before it steals from NORMAL's movable ones, and on a
    NUMA machine it does not drop ALLOC_NOFRAGMENT for a remote node."""
    with Machine(cpus=2, nodes=2, DMA=0, DMA32="16M", NORMAL="16M", defrag_mode=1) as m:
        pfn = m.alloc_pages(0, "GFP_KERNEL", cpu=0)
        assert m.page_zone(pfn) == "NORMAL" and m.page_node(pfn) == 0
        assert zone_of(m, "NORMAL")["nr_pageblocks"]["Unmovable"] == 2
        m.validate()


def test_forced_unreserve_before_failing():
    """should_reclaim_retry(): when no zone passes the min watermark, the
    HIGHATOMIC reserve goes back (force) before the request fails - the
    pageblock of the first free HIGHATOMIC block there is: pageblock 60 of
    the state above (pageblock 70 has no free page and stays reserved) -
    and the request goes round again with its pages."""
    with big() as m:
        for _ in range(13):
            m.alloc_pages(2, "GFP_ATOMIC")
        before = m.vmstat()
        while m.alloc_pages(0, "GFP_KERNEL|__GFP_NOWARN") is not None:
            pass
        z = zone_of(m, "NORMAL")
        assert (z["nr_reserved_highatomic"], z["nr_pageblocks"]["HighAtomic"]) == (512, 1)
        assert delta(m, before, "highatomic_unreserve") == 1
        assert z["free"] == 32
        m.validate()


# ---- the switches -------------------------------------------------------------

def test_config_round_trip_and_errors():
    with Machine(page_alloc_policy="6.5", pa_freelist_hygiene=1, defrag_mode=1) as m:
        assert "page_alloc_policy=6.5 pa_freelist_hygiene=1 defrag_mode=1" in m.config
    with Machine(pa_claim_steal=0) as m:
        assert " pa_claim_steal=0" in m.config and "page_alloc_policy" not in m.config
    for bad, text in (("page_alloc_policy=6.6", "expected 6.18 or 6.5"),
                      ("defrag_mode=2", "expected 0 or 1"),
                      ("pa_claim_steal=yes", "expected 0 or 1"),
                      ("pa_nonsense=1", "page allocator switches")):
        with pytest.raises(ValueError, match=text):
            Machine(bad)
