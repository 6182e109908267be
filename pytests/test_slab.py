# SPDX-License-Identifier: GPL-2.0-only
"""SLUB caches: layout and order against the kernel's rules, merging,
shrink/destroy, statistics, the slub_debug detections in the spirit of
lib/slub_kunit.c (corrupt for real, check the report and the error count,
the machine keeps working), hardening, and the slabinfo/JSON reports.
The tests on the ``machine`` / ``small_machine`` fixtures run on classic
SLUB and again with per-CPU sheaves (slub_sheaves=1).
"""
import os
import re

import pytest

from libmm import CacheBusyError, CorruptionError, Machine
from mmutil import classic_only, scribble_free_pointer, slab_mode_fixtures

ASAN = os.environ.get("LIBMM_VARIANT") == "asan"
WORD = 8

machine, small_machine = slab_mode_fixtures()


def fls(x):
    return x.bit_length()


# ---- the kernel's rules restated ------------------------------------------

def get_order(size):
    return max(0, fls((size - 1) >> 12))


def calc_slab_order(size, min_order, max_order, fract):
    """calc_slab_order() of 6.8+"""
    order = min_order
    while order <= max_order and (4096 << order) % size > (4096 << order) // fract:
        order += 1
    return order


def calculate_order(size, cpus, max_order=3):
    """calculate_order() of 6.8+: from the order holding min_objects,
    accepting 1/16, 1/8, 1/4 and then 1/2 of the slab wasted."""
    min_objects = min(4 * (fls(cpus) + 1), max((4096 << max_order) // size, 1))
    min_order = get_order(min_objects * size)
    for fract in (16, 8, 4, 2):
        order = calc_slab_order(size, min_order, max_order, fract)
        if order <= max_order:
            return order
    return get_order(size)


def write_after_free_is_quarantined(m, c):
    """Frees an object of debug cache c, writes into it, and checks the write is
    caught when the object would be handed out again: an error is counted and
    the object stays out of use.  Returns it and the five objects allocated."""
    d = c.alloc()
    c.free(d)
    m.write(d + 10, b"\x00")
    e0 = m.slab_errors
    got = [c.alloc() for _ in range(5)]
    assert m.slab_errors > e0 and d not in got
    return d, got


@pytest.mark.parametrize("cpus", [1, 4, 8])
@pytest.mark.parametrize("size", [8, 24, 40, 100, 200, 300, 700, 1000, 1500, 2100, 3000,
                                  5000, 9000, 12000, 20000, 40000])
def test_order_and_objects(cpus, size):
    with Machine(cpus=cpus, DMA="16M", DMA32="64M", NORMAL="64M") as m:
        c = m.kmem_cache_create("t", size, flags="SLAB_NO_MERGE")
        slot = (size + WORD - 1) // WORD * WORD
        assert c.size == slot
        assert c.order == calculate_order(slot, cpus)
        assert c.objects_per_slab == (4096 << c.order) // slot
        # free pointer in the middle of the object (5.7+)
        assert c.offset == size // 2 // WORD * WORD
        c.destroy()


def test_6_8_slab_order():
    """calculate_order() of 6.8+ on 4 CPUs: min_objects 16, at most 2
    12000-byte objects fit in order 3 (slub_max_order), so min_order =
    get_order(24000) = 3; its leftover 8768 passes only the last fraction,
    1/2: order 3, 2 objects (the book-era loop gave order 2 and 1)."""
    assert calculate_order(12000, 4) == 3
    with Machine(cpus=4) as m:
        c = m.kmem_cache_create("t12000", 12000, flags="SLAB_NO_MERGE")
        assert (c.order, c.objects_per_slab) == (3, 2)
        c.destroy()


def test_kernel_worked_examples():
    with Machine(cpus=8) as m:
        for size, objs, order in [(96, 42, 0), (192, 21, 0), (256, 32, 1), (1024, 32, 3),
                                  (4096, 8, 3)]:
            c = m.kmalloc_cache(size)
            assert (c.objects_per_slab, c.order) == (objs, order), c


@pytest.mark.slub_only
def test_layout_debug_and_alignment(machine):
    c = machine.kmem_cache_create("rz", 64, flags="SLAB_RED_ZONE|SLAB_POISON")
    # 64 + right red zone 8 = inuse 72, free pointer outside at 72, +8 padding word,
    # + left red zone 8
    assert c.offset == 72 and c.size == 96
    h = machine.kmem_cache_create("hw", 20, flags="SLAB_HWCACHE_ALIGN|SLAB_NO_MERGE")
    assert h.align == 32 and h.size == 32
    a = machine.kmem_cache_create("al", 20, align=128, flags="SLAB_NO_MERGE")
    addrs = a.alloc_bulk(10)
    assert all(x % 128 == 0 for x in addrs)
    a.free_bulk(addrs)
    for x in (c, h, a):
        x.destroy()


def test_bad_arguments(machine):
    with pytest.raises(ValueError):
        machine.kmem_cache_create("x", 0)
    with pytest.raises(ValueError):
        machine.kmem_cache_create("x", 64, align=3)
    with pytest.raises(ValueError):
        machine.kmem_cache_create("x", 64, flags="SLAB_BOGUS")
    with pytest.raises(ValueError):
        machine.kmem_cache_create("", 64)


def test_backing_none_refuses():
    with Machine(backing="none") as m:
        with pytest.raises(ValueError, match="backing=none"):
            m.kmem_cache_create("x", 64)
        with pytest.raises(ValueError):
            m.kmalloc(64)


@pytest.mark.not_slob
def test_ctor_runs_once_per_object(machine):
    calls = []
    c = machine.kmem_cache_create("ctor", 48, ctor=lambda a: calls.append(a))
    a = c.alloc()
    assert len(calls) == c.objects_per_slab and a in calls
    c.free(a)
    b = c.alloc()
    assert len(calls) == c.objects_per_slab        # not on every allocation
    c.free(b)
    c.destroy()


def test_merging_and_nomerge():
    with Machine() as m:
        a = m.kmem_cache_create("foo", 60)
        b = m.kmem_cache_create("bar", 64)
        assert a == b and a.name == "kmalloc-64" and a.requested_name == "foo"
        assert m.kmem_cache("bar") == a
        rows = [s for s in m.report()["slab"] if s["name"] == "kmalloc-64"]
        assert rows[0]["aliases"] == ["foo", "bar"]
        c = m.kmem_cache_create("ctor", 64, ctor=lambda a: None)
        assert c != a
        d = m.kmem_cache_create("dma", 64, flags="SLAB_CACHE_DMA")
        assert d.name == "dma-kmalloc-64"
        for x in (a, b, c, d):
            x.destroy()
    with Machine(slab_nomerge=1) as m:
        a = m.kmem_cache_create("foo", 64)
        b = m.kmem_cache_create("bar", 64)
        assert a != b and a.name == "foo"
        a.destroy()
        b.destroy()


@pytest.mark.slub_only
def test_shrink_returns_pages_and_stats(small_machine):
    m = small_machine
    m.drain_pages()
    before = m.buddyinfo()
    c = m.kmem_cache_create("s", 256, flags="SLAB_NO_MERGE")
    addrs = c.alloc_bulk(2000)
    unrecl = m.vmstat()["nr_slab_unreclaimable"]
    assert unrecl >= 2000 * 256 // 4096
    for a in addrs[::2]:
        c.free(a, cpu=1)                    # remote frees
    c.free_bulk(addrs[1::2])
    assert c.stat("free_remote") > 0 or c.stat("free_frozen") > 0
    assert c.stat("alloc_slab") >= 2000 // c.objects_per_slab
    assert c.shrink() > 0
    assert c.stat("free_slab") > 0
    c.destroy()
    m.drain_pages()
    assert m.buddyinfo() == before


@pytest.mark.slub_only
def test_min_partial_keeps_empty_slabs(machine):
    c = machine.kmem_cache_create("keep", 512, flags="SLAB_NO_MERGE")
    classic_only(c, "the freed objects stay in the sheaves (12 x 28 of them), so no "
                 "slab is empty before shrink")
    addrs = c.alloc_bulk(c.objects_per_slab * 20)
    for a in addrs:
        c.free(a)
    info = [r for r in machine.slabinfo() if r["name"] == "keep"][0]
    # empty slabs stay: min_partial = clamp(ilog2(512)/2, 5, 10) = 5 on the node,
    # plus the cpu slab and the cpu partial list (DIV_ROUND_UP(52 * 2, 16) = 7)
    assert c.objects_per_slab == 16
    assert 5 <= info["num_slabs"] <= 5 + 1 + 7
    assert info["active_objs"] <= info["num_objs"]
    c.shrink()
    info = [r for r in machine.slabinfo() if r["name"] == "keep"][0]
    assert info["num_slabs"] == 0
    c.destroy()


@pytest.mark.slub_only
def test_destroy_with_live_objects_refuses(machine):
    c = machine.kmem_cache_create("leaky", 64, flags="SLAB_NO_MERGE")
    keep = [c.alloc() for _ in range(3)]
    e0 = machine.slab_errors
    with pytest.raises(CacheBusyError, match=r"leaky.*3 objects left"):
        c.destroy()
    assert machine.slab_errors - e0 == 1 + 3
    assert "Objects remaining in leaky on __kmem_cache_shutdown()" in machine.dmesg()
    for a in keep:
        c.free(a)
    c.destroy()


# ---- slub_debug: the slub_kunit scenarios ---------------------

def kunit_cache(m, name, size, flags):
    return m.kmem_cache_create(name, size, flags=flags + "|SLAB_NO_USER_FLAGS")


@pytest.mark.slub_only
def test_clobber_zone(machine):
    c = kunit_cache(machine, "TestSlub_RZ_alloc", 64, "SLAB_RED_ZONE")
    p = c.alloc()
    machine.write(p + 64, b"\x12")
    assert c.validate() == 2
    assert "Right Redzone overwritten" in machine.dmesg()
    assert c.validate() == 0
    c.free(p)
    c.destroy()


@pytest.mark.slub_only
def test_next_pointer(machine):
    c = kunit_cache(machine, "TestSlub_next_ptr_free", 64, "SLAB_POISON")
    p = c.alloc()
    c.free(p)
    saved = machine.read(p + c.offset, 8)
    machine.write(p + c.offset, bytes([saved[0] ^ 0xFF]))
    assert c.validate() == 3
    assert "Freechain corrupt" in machine.dmesg()
    machine.write(p + c.offset, saved)
    assert c.validate() == 2
    assert c.validate() == 0
    c.destroy()


@pytest.mark.parametrize("offset,name", [(0, "TestSlub_1th_word_free"),
                                         (50, "TestSlub_50th_word_free")])
@pytest.mark.slub_only
def test_write_after_free_poison(machine, offset, name):
    c = kunit_cache(machine, name, 64, "SLAB_POISON")
    p = c.alloc()
    c.free(p)
    machine.write(p + offset, b"\x78")
    assert c.validate() == 2
    assert "Poison overwritten" in machine.dmesg()
    c.destroy()


@pytest.mark.slub_only
def test_clobber_redzone_free(machine):
    c = kunit_cache(machine, "TestSlub_RZ_free", 64, "SLAB_RED_ZONE")
    p = c.alloc()
    c.free(p)
    machine.write(p + 64, b"\xab")
    assert c.validate() == 2
    c.destroy()


@pytest.mark.slub_only
def test_validate_reports_debug_damage(machine):
    c = kunit_cache(machine, "TestSlub_validate", 64, "SLAB_RED_ZONE")
    p = c.alloc()
    machine.write(p - 1, b"\x00")          # left red zone
    with pytest.raises(CorruptionError, match="TestSlub_validate"):
        machine.validate()
    log = machine.dmesg()
    assert "Left Redzone overwritten" in log and "Restoring" not in log
    # validate only checks: the damage is left as it is and found again
    assert machine.read(p - 1, 1) == b"\x00"
    with pytest.raises(CorruptionError, match="TestSlub_validate"):
        machine.validate()
    # kmem_cache_validate() is SLUB's validate_slab_cache(), which repairs
    assert c.validate() == 2                # the report and its FIX line
    assert "FIX TestSlub_validate: Restoring Left Redzone" in machine.dmesg()
    assert machine.read(p - 1, 1) != b"\x00"
    machine.validate()
    c.free(p)
    c.destroy()


def test_consistency_checks_refuse_bad_frees():
    with Machine(debug="FZPU") as m:
        c = m.kmem_cache_create("dbg", 100)
        other = m.kmem_cache_create("other", 100)
        assert c != other                   # debug caches never merge
        a, b = c.alloc(), c.alloc()
        assert m.read(a + 100, 4) == b"\xcc" * 4        # active red zone
        c.free(a)
        with pytest.raises(CorruptionError, match="invalid free"):
            c.free(a)
        assert "Object already free" in m.dmesg()
        with pytest.raises(CorruptionError):
            c.free(b + 8)
        with pytest.raises(CorruptionError, match="Wrong slab cache"):
            other.free(b)
        m.write(b + 100, b"!")              # overflow into the red zone
        with pytest.raises(CorruptionError):
            c.free(b)
        log = m.dmesg()
        assert "Right Redzone overwritten" in log and "Object at" in log
        assert "INFO: Allocated in" in log and "INFO: Freed in" in log
        # write after free: caught when the object would be handed out again
        d, got = write_after_free_is_quarantined(m, c)
        assert "Poison overwritten" in m.dmesg()
        c.free_bulk(got)
        m.validate()
        other.destroy()
        # b and the quarantined objects stay allocated: destroy refuses
        with pytest.raises(CacheBusyError):
            c.destroy()


@pytest.mark.parametrize("slab", ["slub", "slab"])
def test_debug_contract_shared(slab):
    """What debug= promises on SLUB and SLAB alike (each reports in its own
    kernel's words): a double free, a foreign free and a red-zone overflow
    are refused and logged naming cache and object; a write after free is
    found when the object would be handed out again and the object is kept
    out of use; every report taints 'B'; nothing else is lost."""
    with Machine(debug="FZPU", slab=slab) as m:     # F: SLUB's checks on free
        c = m.kmem_cache_create("dbg", 64)
        other = m.kmem_cache_create("other", 64)
        a, b = c.alloc(), c.alloc()
        c.free(a)
        with pytest.raises(CorruptionError, match="dbg"):
            c.free(a)
        assert "%#x" % a in m.dmesg() and m.tainted & (1 << 5)
        with pytest.raises(CorruptionError, match="Wrong slab cache"):
            other.free(b)
        m.write(b + 64, b"!")               # overflow into the red zone
        e0 = m.slab_errors
        with pytest.raises(CorruptionError, match="%#x" % b):
            c.free(b)
        assert m.slab_errors > e0
        d, got = write_after_free_is_quarantined(m, c)
        assert re.search(r"dbg.*\n(.*\n)*.*%#x" % d, m.dmesg())   # cache, then object
        c.free_bulk(got)
        other.destroy()
        with pytest.raises(CacheBusyError):  # b and d stay allocated
            c.destroy()


@pytest.mark.slub_only
@pytest.mark.skipif(ASAN, reason="writes into an ASan-poisoned free object")
def test_hardened_freelist_pointer(machine):
    c = machine.kmem_cache_create("hard", 128, flags="SLAB_NO_MERGE")
    classic_only(c, "frees go to the sheaves, which write no free pointer")
    a, b, d, raw = scribble_free_pointer(machine, c)   # freelist: b -> d
    assert raw != d                          # obfuscated
    with pytest.raises(CorruptionError, match="double free"):
        c.free(b)
    e0 = machine.slab_errors
    assert c.alloc() == b                    # b comes back; its bad link is not followed
    assert machine.slab_errors > e0
    assert "Freepointer corrupt" in machine.dmesg()
    more = c.alloc_bulk(100)
    assert more is not None and d not in more
    c.free_bulk(more)
    c.free(a)
    c.free(b)


def test_hardening_off_is_plain():
    with Machine(slab_hardened=0) as m:
        c = m.kmem_cache_create("plain", 64, flags="SLAB_NO_MERGE")
        a = c.alloc()
        b = c.alloc()
        assert b == a + 64                  # no freelist randomisation
        c.free(b)
        c.free(a)
        c.destroy()


def test_init_on_free_and_alloc():
    with Machine(init_on_alloc=1, init_on_free=1) as m:
        c = m.kmem_cache_create("z", 64, flags="SLAB_NO_MERGE")
        a = c.alloc()
        assert m.read(a, 64) == bytes(64)
        m.write(a, b"\xff" * 64)
        c.free(a)
        b = c.alloc()
        assert m.read(b, 64) == bytes(64)
        c.free(b)
        c.destroy()


# ---- reports ---------------------------------------------------------------

SLABINFO_LINE = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+) : tunables\s+0\s+0\s+0"
                           r" : slabdata\s+(\d+)\s+(\d+)\s+0$")


@pytest.mark.slub_only
def test_slabinfo_format(machine):
    c = machine.kmem_cache_create("fmt", 200, flags="SLAB_NO_MERGE")
    addrs = c.alloc_bulk(50)
    text = machine.text("slabinfo")
    lines = text.splitlines()
    assert lines[0] == "slabinfo - version: 2.1"
    assert lines[1] == ("# name            <active_objs> <num_objs> <objsize> <objperslab> "
                        "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : "
                        "slabdata <active_slabs> <num_slabs> <sharedavail>")
    for line in lines[2:]:
        assert SLABINFO_LINE.match(line), line
    assert lines[2].startswith("fmt ")       # newest first, as list_add() does
    assert lines[-1].startswith("kmalloc-8 ")
    row = [r for r in machine.slabinfo() if r["name"] == "fmt"][0]
    assert row["objsize"] == c.size and row["objperslab"] == c.objects_per_slab
    assert row["active_objs"] >= 50 and row["num_slabs"] >= 50 // c.objects_per_slab
    names = {r["name"] for r in machine.slabinfo()}
    for n in ("kmalloc-96", "kmalloc-192", "kmalloc-8k", "dma-kmalloc-1k", "kmalloc-rcl-64"):
        assert n in names
    js = [s for s in machine.report()["slab"] if s["name"] == "fmt"][0]
    assert js["stats"]["alloc_fastpath"] + js["stats"]["alloc_slowpath"] >= 50
    assert machine.report()["vmstat"]["nr_slab_unreclaimable"] > 0
    c.free_bulk(addrs)
    c.destroy()


def test_flags_text_roundtrip():
    from libmm import slab_flags, slab_flags_text
    v = slab_flags("SLAB_HWCACHE_ALIGN|SLAB_POISON")
    assert slab_flags_text(v) == "SLAB_POISON|SLAB_HWCACHE_ALIGN"
    assert slab_flags(0x2000) == slab_flags("SLAB_HWCACHE_ALIGN")
    with pytest.raises(ValueError, match="SLAB_NOPE"):
        slab_flags("SLAB_NOPE")


def test_machine_debug_option_with_cache_list():
    with Machine(debug="ZP:kmalloc-64") as m:
        assert m.kmalloc_cache(64).flags & slab_flags_int("SLAB_RED_ZONE|SLAB_POISON")
        assert not m.kmalloc_cache(128).flags & slab_flags_int("SLAB_RED_ZONE")
        c = m.kmem_cache_create("opt_out", 64, flags="SLAB_NO_USER_FLAGS")
        assert not c.flags & slab_flags_int("SLAB_RED_ZONE")
        c.destroy()
    with pytest.raises(ValueError, match="slub_debug option"):
        Machine(debug="Q")


def slab_flags_int(text):
    from libmm import slab_flags
    return slab_flags(text)


@pytest.mark.slub_only
def test_trace_flag_logs_operations(machine):
    c = machine.kmem_cache_create("traced", 32, flags="SLAB_TRACE")
    a = c.alloc()
    c.free(a)
    log = machine.dmesg()
    assert "TRACE traced alloc" in log and "TRACE traced free" in log
    c.destroy()


def test_unbound_and_bad_gfp(machine):
    c = machine.kmem_cache_create("g", 32, flags="SLAB_NO_MERGE")
    with pytest.raises(ValueError, match="unknown GFP"):
        c.alloc(gfp=0x200)
    c.destroy()


@pytest.mark.skipif(not ASAN, reason="only the asan variant poisons free objects")
def test_asan_sees_use_after_free():
    import subprocess
    import sys
    code = ("from libmm import Machine\n"
            "m = Machine()\n"
            "c = m.kmem_cache_create('uaf', 64, flags='SLAB_NO_MERGE')\n"
            "a = c.alloc(); c.free(a)\n"
            "m.read(a, 8)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode != 0
    assert "use-after-poison" in r.stderr


def test_first_slab_order_is_opportunistic():
    """allocate_slab(): above the minimum order the preferred order is asked
    for with (gfp | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM; on a machine
    without a free order-2 block kmalloc-1k (order 2 on 2 CPUs) falls back to
    an order-0 slab (order_fallback), quietly, without a round of the slow
    path's retries and without draining anyone's per-CPU lists."""
    with Machine(cpus=2, DMA=0, DMA32=0, NORMAL="16M", pcp="off") as m:
        held = []
        for gfp in ("GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER_MOVABLE|__GFP_MEMALLOC"):
            while (p := m.alloc_pages(0, gfp + "|__GFP_NOWARN")) is not None:
                held.append(p)
        for p in sorted(held)[1::2][:300]:   # 300 order-0 holes, no order-1 block
            m.free_pages(p)
        before = m.vmstat()
        a = m.kmalloc(1024)
        after = m.vmstat()
        c = m.kmem_cache("kmalloc-1k")
        assert a is not None and c.order == 2 and c.stat("order_fallback") == 1
        assert after["pgalloc_retry"] == before["pgalloc_retry"]
        assert after["pcp_drain"] == before["pcp_drain"]
        assert "page allocation failure" not in m.dmesg()
        m.kfree(a)
        m.validate()


@pytest.mark.parametrize("partials, ratio, remote", [(5, 100, False), (6, 100, True),
                                                     (6, 0, False)])
def test_get_any_partial(partials, ratio, remote):
    """get_any_partial(): a CPU of node 0 with no partial slab at home takes
    one of node 1's only when node 1 has more than min_partial (5 for
    256-byte objects) and remote_node_defrag_ratio allows it."""
    with Machine(cpus=2, nodes=2, DMA=0, DMA32=0, NORMAL="64M") as m:
        c = m.kmem_cache_create("remote", 256, flags="SLAB_NO_MERGE")
        c.remote_node_defrag_ratio = ratio
        assert c.remote_node_defrag_ratio == ratio
        per = c.objects_per_slab
        objs = [c.alloc(cpu=1) for _ in range(per * partials)]
        assert {m.page_node(m.pfn_of(a)) for a in objs} == {1}
        for a in objs[::per]:               # one object back from each slab
            c.free(a, cpu=1)
        c.shrink()                          # cpu slabs and partials to node 1
        got = c.alloc(cpu=0)
        assert (m.page_node(m.pfn_of(got)) == 1) == remote
        c.free(got, cpu=0)
        for a in objs:
            if (objs.index(a)) % per:
                c.free(a, cpu=1)
        c.destroy()
        m.validate()
