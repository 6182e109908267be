# SPDX-License-Identifier: GPL-2.0-only
"""Compaction scenarios with expectations derived from mm/compaction.c.

The fragmented zone: NORMAL=32M alone (16 pageblocks of 512 pages,
min_free_kbytes=128: min watermark 32 pages), every page faulted by three
processes round-robin until the allocator stops at the min watermark (the
top 32 pages of pageblock 15 stay free), then every page whose pfn is not a
multiple of 8 unmapped: 64 user pages in each pageblock (60 in the last),
so the largest free block is order 5 and an order-9 THP allocation without
direct compaction (GFP_TRANSHUGE_LIGHT) fails.
"""
import pytest

import libmm
from mmutil import checked_machine

FRAG = dict(cpus=1, DMA="0", DMA32="0", NORMAL="32M", min_free_kbytes=128)
PB = 512


def fragment(m, nprocs=3):
    """Fault every page round-robin, keep the pages at pfn % 8 == 0 (each
    stamped with its process and address); [(process, addr)] kept."""
    procs = [m.process() for _ in range(nprocs)]
    addrs = {p: [] for p in procs}
    i = 0
    while True:
        p = procs[i % nprocs]
        a = len(addrs[p]) * 4096
        if p.fault(a) is None:
            break
        addrs[p].append(a)
        i += 1
    kept = []
    for p in procs:
        for a in addrs[p]:
            if p.pfn(a) % 8 == 0:
                p.write(a, stamp(p, a))
                kept.append((p, a))
            else:
                p.unmap(a, 4096)
    m.drain_pages()
    return procs, kept


def stamp(p, a):
    return b"pid %d addr %#x" % (p.pid, a)


def occupancy(m, procs):
    occ = [0] * (m.zone(0, "NORMAL")["managed"] // PB)
    for p in procs:
        for _addr, pfn, order, _pins in p.folios():
            occ[pfn // PB] += 1 << order
    return occ


@pytest.fixture
def frag_machine():
    yield from checked_machine(leak_check=False, **FRAG)


def test_fragmented_zone_has_no_order9_block(frag_machine):
    m = frag_machine
    procs, kept = fragment(m)
    assert occupancy(m, procs) == [64] * 15 + [60]
    # order 2 below each user page, and the top 32 pages (order 5)
    bi = m.buddyinfo()[(0, "NORMAL")]
    assert bi[:3] == [1020, 1020, 1020] and bi[5] == 1 and sum(bi[6:]) == 0
    assert m.alloc_pages(order=9, gfp="GFP_TRANSHUGE_LIGHT") is None


def test_compact_memory_rebuilds_order9_and_keeps_contents(frag_machine):
    """compact_node(): SYNC, whole zone, hints ignored.  The migrate scanner
    empties pageblocks from the bottom, the free scanner fills the holes of
    pageblocks 15 (452) and 14 (448) from the top.  Blocks 0..12 move whole
    (13 * 64 = 832 pages); the migrate scanner then takes block 13 in two
    COMPACT_CLUSTER_MAX rounds: the first 32 pages find holes, but once
    migrate_pfn reaches the end of block 13, isolate_freepages() may only
    scan above pageblock_end_pfn(migrate_pfn) = block 15's start, which is
    used up, so the second round gets no target (-ENOMEM, "no_target") and
    the scanners have met: COMPACT_COMPLETE with 13 * 64 + 33 migrated and
    13 free pageblocks (6 order-10 blocks and one order-9).  The source pages
    are freed to this CPU's per-CPU list first (free_frozen_page_commit);
    with 6.18's auto-tuned high (raised by fragment()'s frees to 368,
    nr_pcp_high) most of them stay there, and compact_node() does not drain
    it: the blocks show once drain_all_pages() has run (6.5: a fixed high of
    40, so they show at once)."""
    m = frag_machine
    procs, kept = fragment(m)
    (res,) = m.compact_memory()
    assert res["result"] == "COMPACT_COMPLETE"
    assert res["order"] == -1
    assert res["migrated"] == 13 * 64 + 33
    assert res["not_migrated"] == {"no_target": 1}
    assert res["migrate_scanned"] == 14 * PB      # scanners met at block 14
    v = m.vmstat()
    assert v["pgmigrate_success"] == res["migrated"]
    assert v["pgmigrate_fail"] == 1
    assert v["compact_migrate_scanned"] == res["migrate_scanned"]
    assert v["compact_free_scanned"] == res["free_scanned"]
    assert v["compact_stall"] == 0                 # not direct compaction
    assert m.pcp()["high"] == 368 and m.pcp()["count"] == 353
    assert m.buddyinfo()[(0, "NORMAL")][10] == 4
    m.drain_pages()
    bi = m.buddyinfo()[(0, "NORMAL")]
    assert bi[10] == 6 and bi[9] == 1
    occ = occupancy(m, procs)
    assert occ[:13] == [0] * 13 and sum(occ) == 15 * 64 + 60
    # every process reads exactly what it wrote, through its own mapping
    for p, a in kept:
        want = stamp(p, a)
        assert p.read(a, len(want)) == want
        assert m.read(m.page_address(p.pfn(a)), len(want)) == want
    m.validate()
    assert m.alloc_pages(order=9, gfp="GFP_TRANSHUGE_LIGHT") is not None


def test_compaction_fails_with_a_pinned_page_in_every_pageblock(frag_machine):
    """The same compaction with the first user page of each pageblock
    pinned: isolate_migratepages_block() leaves pinned anonymous pages
    alone (refcount above mapcount), so no pageblock can be emptied.  The
    migrate scanner passes blocks 0..13 before the scanners meet: 14 pinned
    pages, the first at pfn 0."""
    m = frag_machine
    procs, kept = fragment(m)
    pinned, seen = [], set()
    for p, a in kept:
        pfn = p.pfn(a)
        if pfn // PB not in seen:
            seen.add(pfn // PB)
            assert p.pin(a) == pfn
            pinned.append((p, a, pfn))
    assert len(pinned) == 16
    (res,) = m.compact_memory()
    assert res["not_migrated"]["pinned"] == 14
    assert res["first_pfn"]["pinned"] == 0
    assert "pinned:14(first pfn 0)" in m.dmesg()
    assert max(o for o, n in enumerate(m.buddyinfo()[(0, "NORMAL")]) if n) < 9
    assert m.alloc_pages(order=9, gfp="GFP_TRANSHUGE_LIGHT") is None
    for p, a, pfn in pinned:
        assert p.pfn(a) == pfn                      # pinned pages never moved
        assert p.read(a, len(stamp(p, a))) == stamp(p, a)
    for p, a, _pfn in pinned:
        p.unpin(a)
    (res,) = m.compact_memory()
    assert "pinned" not in res["not_migrated"]
    m.drain_pages()             # the freed sources wait on the per-CPU list
    assert m.alloc_pages(order=9, gfp="GFP_TRANSHUGE_LIGHT") is not None


@pytest.mark.parametrize("compaction", [0, 1])
def test_direct_compaction_serves_gfp_kernel_order3(compaction):
    """GFP_KERNEL order 3 in the fragmented zone, its order-5 block taken
    first (largest free block order 2).  __alloc_pages_slowpath(): order > 0
    and not movable, so direct compaction runs first at
    INIT_COMPACT_PRIORITY (async: only UNMOVABLE pageblocks are sources -
    none here), then in the retry loop, after direct reclaim (no progress),
    at DEF_COMPACT_PRIORITY (SYNC_LIGHT, any block): compact_finished()
    stops at the first pageblock boundary where a free block >= order 3
    could be claimed for UNMOVABLE (find_suitable_fallback(claimable)),
    i.e. after block 0 is emptied.  With compaction=0 the allocation fails
    after one round: should_reclaim_retry()'s order-3 watermark check
    finds no order-3 block, so no retry."""
    for m in checked_machine(leak_check=False, compaction=compaction, **FRAG):
        fragment(m)
        top = m.alloc_pages(order=5, gfp="GFP_KERNEL")
        assert top is not None
        pfn = m.alloc_pages(order=3, gfp="GFP_KERNEL|__GFP_NOWARN")
        v = m.vmstat()
        if not compaction:
            assert pfn is None
            assert "compact_stall" in v and v["compact_stall"] == 0
            assert v["pgalloc_retry"] == 0
            continue
        assert pfn is not None
        assert v["compact_stall"] == 2         # the async try, then SYNC_LIGHT
        assert v["compact_success"] == 1 and v["compact_fail"] == 1
        assert v["pgmigrate_success"] == 64    # one pageblock emptied
        info = m.compact_info(0, "NORMAL")
        assert info["order"] == 3 and info["result"] == "COMPACT_SUCCESS"
        m.free_pages(pfn, order=3)
        m.free_pages(top, order=5)


def test_compaction_off_refuses_compact_memory():
    for m in checked_machine(leak_check=False, compaction=0, **FRAG):
        with pytest.raises(ValueError, match="compaction is off"):
            m.compact_memory()


def test_sysctls(frag_machine):
    m = frag_machine
    assert m.sysctl("vm.compaction_proactiveness") == 20
    assert m.sysctl("extfrag_threshold") == 500
    m.sysctl("vm.extfrag_threshold", 900)
    assert m.sysctl("vm.extfrag_threshold") == 900
    for name, bad in [("compaction_proactiveness", 101), ("extfrag_threshold", -1),
                      ("compact_memory", 2), ("no_such_knob", 1)]:
        with pytest.raises(ValueError):
            m.sysctl(name, bad)
    with pytest.raises(ValueError):
        m.sysctl("compact_memory")              # write-only
    m.sysctl("vm.compact_memory", 1)
    assert m.compact_info(0, "NORMAL")["runs"] == 1


def test_machine_keys():
    with libmm.Machine(compaction_proactiveness=0, extfrag_threshold=100,
                       kcompactd="off", task_size="1G", **FRAG) as m:
        assert m.sysctl("compaction_proactiveness") == 0
        assert m.sysctl("extfrag_threshold") == 100
        cfg = m.config
        assert "compaction_proactiveness=0" in cfg and "kcompactd=off" in cfg
        assert "task_size=1G" in cfg
    for bad in ["extfrag_threshold=1001", "kcompactd=sometimes", "task_size=3M",
                "compaction=2"]:
        with pytest.raises(ValueError):
            libmm.Machine(bad)


def test_extfrag_threshold_makes_costly_compaction_unsuitable():
    """compaction_suitable(): for costly orders, fragindex <= threshold
    means "lack of memory, not fragmentation": COMPACT_SKIPPED, no stall.
    The fragmented zone's order-4 fragmentation index (free blocks 1020 x
    order 0-2 plus the top ones) is below 1000; a threshold of 1000 rules
    compaction out."""
    for m in checked_machine(leak_check=False, extfrag_threshold=1000, **FRAG):
        fragment(m)
        assert m.alloc_pages(order=5, gfp="GFP_KERNEL") is not None
        assert m.alloc_pages(order=4, gfp="GFP_KERNEL|__GFP_NOWARN") is None
        assert m.vmstat()["compact_stall"] == 0
        assert m.compact_info(0, "NORMAL")["runs"] == 0


def test_deferral_after_failed_sync_compaction():
    """defer_compaction(): a failed sync direct compaction doubles the skip
    window (compact_defer_shift 1), and the next request within it is
    deferred (compact_considered counts it)."""
    for m in checked_machine(leak_check=False, **FRAG):
        procs, kept = fragment(m)
        assert m.alloc_pages(order=5, gfp="GFP_KERNEL") is not None
        for p, a in kept:
            p.pin(a)                            # nothing can move
        assert m.alloc_pages(order=3, gfp="GFP_KERNEL|__GFP_NOWARN") is None
        info = m.compact_info(0, "NORMAL")
        assert info["compact_defer_shift"] == 1
        # struct zone starts zeroed: compact_order_failed 0 defers every order
        assert info["compact_order_failed"] == 0
        runs = info["runs"]
        # compaction_deferred(): the async try counts 1 < 1 << 1 (deferred),
        # the SYNC_LIGHT one reaches 2 and runs, fails, defers again
        assert m.alloc_pages(order=3, gfp="GFP_KERNEL|__GFP_NOWARN") is None
        info = m.compact_info(0, "NORMAL")
        assert (info["runs"], info["compact_defer_shift"], info["compact_considered"]) == \
            (runs + 1, 2, 0)
        # window 4: both tries of the next request are deferred (1, 2 < 4)
        assert m.alloc_pages(order=3, gfp="GFP_KERNEL|__GFP_NOWARN") is None
        info = m.compact_info(0, "NORMAL")
        assert (info["runs"], info["compact_defer_shift"], info["compact_considered"]) == \
            (runs + 1, 2, 2)
        for p, a in kept:
            p.unpin(a)


def test_kcompactd_woken_by_high_order_failure_runs_at_the_tick(frag_machine):
    """A high-order request entering the slow path wakes kcompactd (where
    the kernel wakes kswapd); in tick mode it runs at the next tick:
    kcompactd_do_work() at SYNC_LIGHT toward that order."""
    m = frag_machine
    fragment(m)
    assert m.alloc_pages(order=9, gfp="GFP_TRANSHUGE_LIGHT|__GFP_KSWAPD_RECLAIM") is None
    assert m.vmstat()["compact_daemon_wake"] == 0    # deterministic: not yet
    m.tick()
    v = m.vmstat()
    assert v["compact_daemon_wake"] == 1
    assert v["compact_daemon_migrate_scanned"] > 0
    info = m.compact_info(0, "NORMAL")
    assert info["order"] == 9
    assert m.alloc_pages(order=9, gfp="GFP_TRANSHUGE_LIGHT") is not None


def test_proactive_compaction_lowers_the_fragmentation_score(frag_machine):
    """should_proactive_compact_node(): the node's score (extfrag of order 9
    weighted by zone size: 100 here) above min(100 - proactiveness, 5) + 10
    starts proactive_compact_node(), which compacts until the zone's score
    is at most the low mark (100 - proactiveness)."""
    m = frag_machine
    fragment(m)
    assert m.compact_info(0, "NORMAL")["fragmentation_score"] == 100
    m.sysctl("compaction_proactiveness", 50)         # high mark 60, low 50
    m.tick()
    assert m.vmstat()["compact_daemon_migrate_scanned"] > 0
    assert m.compact_info(0, "NORMAL")["fragmentation_score"] <= 50
    m.tick(3)                                        # below the high mark: idle
    info = m.compact_info(0, "NORMAL")
    assert info["runs"] == 1
