# SPDX-License-Identifier: GPL-2.0-only
"""SLAB (slab=slab, mm/slab.c of v6.7): the numbers its code computes.

enable_cpucache()'s tunables by object size; the slab layouts of
__kmem_cache_create() (set_objfreelist_slab_cache(), set_off_slab_cache(),
set_on_slab_cache()) sized by calculate_slab_order() and cache_estimate();
cache_grow_begin()'s colouring; cache_reap() on the tick; slabinfo_write();
alien caches on a two-node machine.  The rules are restated here in Python
from the kernel functions named, and the machine must agree.
"""
import pytest

from libmm import Machine
from mmutil import SMALL_CONFIG

PAGE_SIZE = 4096
IDX = 2                 # sizeof(freelist_idx_t): unsigned short with 4 KiB pages
KMALLOC_SIZES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192]


@pytest.fixture
def slab_machine():
    m = Machine(**SMALL_CONFIG, slab="slab")
    try:
        yield m
        m.validate()
    finally:
        m.close()


def tunables(m, name):
    """(limit, batchcount, shared, active_objs, num_objs, objperslab, order)
    from the cache's /proc/slabinfo row."""
    for line in m.text("slabinfo").splitlines():
        f = line.split()
        if f[0] == name:
            return (int(f[8]), int(f[9]), int(f[10]), int(f[1]), int(f[2]), int(f[4]),
                    int(f[5]).bit_length() - 1)
    raise KeyError(name)


# ---- enable_cpucache() ----------------------------------------------------------

def enable_cpucache(size, cpus):
    """limit, batchcount, shared as enable_cpucache() sets them"""
    if size > 131072:
        limit = 1
    elif size > PAGE_SIZE:
        limit = 8
    elif size > 1024:
        limit = 24
    elif size > 256:
        limit = 54
    else:
        limit = 120
    shared = 8 if size <= PAGE_SIZE and cpus > 1 else 0
    return limit, (limit + 1) // 2, shared


@pytest.mark.parametrize("size", [32, 64, 128, 256, 264, 512, 1024, 1032, 2048, 4096, 4104,
                                  8192])
def test_enable_cpucache_tunables(slab_machine, size):
    m = slab_machine
    c = m.kmem_cache_create("tun%d" % size, size)
    assert c.size == size                   # word-aligned already
    assert tunables(m, c.name)[:3] == enable_cpucache(size, 2)
    c.destroy()


def test_one_cpu_has_no_shared_array():
    with Machine(cpus=1, DMA="16M", DMA32="64M", NORMAL="64M", slab="slab") as m:
        assert tunables(m, "kmalloc-64")[:3] == (120, 60, 0)
        m.validate()


# ---- the slab layout ------------------------------------------------------------------

def cache_estimate(order, size, on_slab):
    slab = PAGE_SIZE << order
    per = size + IDX if on_slab else size
    return slab // per, slab % per


def calculate_slab_order(size, layout, max_order=1, reclaim=False):
    """(num, order, left_over); num 0 when the layout does not fit.
    layout: 'objfreelist', 'off', 'on'."""
    for order in range(0, 11):
        num, left = cache_estimate(order, size, layout == "on")
        if not num:
            continue
        if layout == "off":
            fl = num * IDX
            fc = next((k for k in KMALLOC_SIZES if k >= fl), None)
            if fc is None or fc > size // 2:
                continue
        if reclaim or order >= max_order or left * 8 <= PAGE_SIZE << order:
            return num, order, left
    return 0, 0, 0


def kmem_cache_layout(size, ctor, object_size=None):
    """__kmem_cache_create(): the size word-aligned, then objfreelist (its
    index array must fit in the object), else off-slab, else on-slab"""
    object_size = object_size or size
    size = (size + 7) & ~7
    if not ctor:
        num, order, left = calculate_slab_order(size, "objfreelist")
        if num and num * IDX <= object_size:
            return "objfreelist", num, order, left
    num, order, left = calculate_slab_order(size, "off")
    if num and left < num * IDX:
        return "off", num, order, left
    num, order, left = calculate_slab_order(size, "on")
    return "on", num, order, left


@pytest.mark.parametrize("ctor", [False, True])
@pytest.mark.parametrize("size", [8, 24, 32, 64, 100, 200, 256, 512, 700, 1000, 1500, 2048,
                                  3000, 4096, 5000])
def test_layout_matches_calculate_slab_order(slab_machine, size, ctor):
    m = slab_machine
    c = m.kmem_cache_create("lay%d%s" % (size, "c" if ctor else ""), size,
                            ctor=(lambda addr: None) if ctor else None)
    _, num, order, _ = kmem_cache_layout(size, ctor)
    assert (c.objects_per_slab, c.order) == (num, order)
    objs = [c.alloc() for _ in range(2 * num + 1)]
    for o in objs:
        c.free(o)
    c.destroy()


def test_worked_layouts():
    """A few by hand: 100 B fits 39 with the freelist in an object
    (OBJFREELIST_SLAB, 39 * 2 <= 100), 38 on-slab with a ctor (4096 / 106);
    512 B with a ctor goes off-slab (8, the freelist a kmalloc-16 object);
    1500 B (1504 word-aligned) takes order 1 (5 objects, 672 bytes left:
    colour 10)."""
    assert kmem_cache_layout(100, False)[:3] == ("objfreelist", 39, 0)
    assert kmem_cache_layout(100, True)[:3] == ("on", 38, 0)
    assert kmem_cache_layout(512, True)[:3] == ("off", 8, 0)
    assert kmem_cache_layout(1500, False) == ("objfreelist", 5, 1, 672)


# ---- colouring -------------------------------------------------------------------------

def test_colour_offsets_cycle(slab_machine):
    """cache_grow_begin(): colour_next is advanced before use, so a node's
    slabs start at 1, 2, .., colour - 1, 0, 1, .. times colour_off (64).
    1500-byte objects: order 1, 5 per slab, 672 bytes left, colour 10; each
    refill of an empty array grows one slab and takes its 5 objects."""
    m = slab_machine
    c = m.kmem_cache_create("colour", 1500, flags="SLAB_NO_MERGE")
    _, num, order, left = kmem_cache_layout(1500, False)
    colour = left // 64
    assert (num, order, colour) == (5, 1, 10)
    slab_bytes = PAGE_SIZE << order
    with m.on_cpu(0):
        objs = [c.alloc() for _ in range(num * 13)]
        first = {}
        for o in objs:
            base = o & ~(slab_bytes - 1)
            first[base] = min(first.get(base, slab_bytes), o - base)
        offsets = [first[b] for b in sorted(first, key=lambda b: objs.index(
            min(o for o in objs if o & ~(slab_bytes - 1) == b)))]
        assert offsets == [64 * (k % colour) for k in range(1, 14)]
        for o in objs:
            c.free(o)
    c.destroy()


# ---- cache_reap() --------------------------------------------------------------------

def test_cache_reap_drains_untouched_arrays(slab_machine):
    """cache_reap() every REAPTIMEOUT_AC (2 ticks): an array touched since the
    last reap is only marked untouched; an untouched one gives back
    (limit + 4) / 5 objects (drain_array()); frees do not touch.  No shared
    array (tuned to 0), so the objects outside the slabs are the array's."""
    m = slab_machine
    c = m.kmem_cache_create("reap", 64, flags="SLAB_NO_MERGE")
    limit, batch, _ = enable_cpucache(64, 2)
    m.slabinfo_write("reap %d %d 0" % (limit, batch))
    with m.on_cpu(0):
        objs = [c.alloc() for _ in range(limit)]
        for o in objs:
            c.free(o)
    active = tunables(m, "reap")[3]
    step = (limit + 4) // 5
    assert 2 * step <= active <= limit      # all in CPU 0's array
    m.tick(2)                               # touched by the allocations
    assert tunables(m, "reap")[3] == active
    m.tick(2)
    assert tunables(m, "reap")[3] == active - step
    m.tick(1)                               # odd tick: no reap
    assert tunables(m, "reap")[3] == active - step
    m.tick(1)
    assert tunables(m, "reap")[3] == active - 2 * step
    m.validate()
    c.destroy()


# ---- slabinfo_write() ---------------------------------------------------------------------

def test_slabinfo_write_tunes(slab_machine):
    m = slab_machine
    m.slabinfo_write("kmalloc-64 30 10 2")
    assert tunables(m, "kmalloc-64")[:3] == (30, 10, 2)
    m.slabinfo_write("kmalloc-64 30 40 2")  # batchcount > limit: ignored
    assert tunables(m, "kmalloc-64")[:3] == (30, 10, 2)
    ps = [m.kmalloc(64) for _ in range(100)]
    for p in ps:
        m.kfree(p)
    m.validate()
    with pytest.raises(ValueError, match="no cache named nosuch"):
        m.slabinfo_write("nosuch 1 1 1")
    with pytest.raises(ValueError, match="expected"):
        m.slabinfo_write("kmalloc-64 1 x")


def test_slabinfo_write_needs_slab():
    with Machine(**SMALL_CONFIG) as m:
        with pytest.raises(Exception, match="SLAB's"):
            m.slabinfo_write("kmalloc-64 30 10 2")


# ---- alien caches --------------------------------------------------------------------------

def test_alien_free_goes_to_the_alien_cache():
    """cache_free_alien(): an object of a node-0 slab freed on a node-1 CPU
    goes to that node's alien cache for node 0 (limit 12) - node_frees
    counts it - and overflows drain it (node_overflow)."""
    with Machine(cpus=2, nodes=2, DMA=0, DMA32=0, NORMAL="64M", slab="slab") as m:
        c = m.kmem_cache_create("alien", 64, flags="SLAB_NO_MERGE")
        objs = [c.alloc(cpu=0) for _ in range(30)]
        for o in objs:
            c.free(o, cpu=1)
        assert c.stat("node_frees") == 30
        assert c.stat("node_overflow") == 2    # at 12 and at 24
        m.validate()
        c.destroy()
        m.validate()


@pytest.mark.parametrize("flags,report", [
    ("SLAB_NO_MERGE", None),
    # verify_redzone_free(): both red zones already RED_INACTIVE
    ("SLAB_RED_ZONE", "slab error in verify_redzone_free(): cache `df': double free detected"),
    # slab_put_obj()'s check, for a debug cache without red zones
    ("SLAB_POISON", "slab: double free detected in cache 'df', objp %#x"),
])
def test_double_free_refused(slab_machine, flags, report):
    m = slab_machine
    c = m.kmem_cache_create("df", 64, flags=flags)
    a = c.alloc()
    c.free(a)
    with pytest.raises(Exception, match="double free"):
        c.free(a)
    if report:
        assert (report.replace("%#x", "%#x" % a)) in m.dmesg()
    with pytest.raises(Exception, match="Invalid object pointer"):
        c.free(c.alloc() + 8)
    m.validate()


# ---- debug: red zones, poison, the last user (mm/slab.c's DEBUG) -----------------
#
# __kmem_cache_create() with SLAB_RED_ZONE: the size is word-aligned, then
# REDZONE_ALIGN (8)-aligned, and two 8-byte red-zone words go round the
# object (obj_offset 8); SLAB_STORE_USER adds the user word at the end
# (REDZONE_ALIGN with red zones, else a word).  An alignment above 8
# drops both.  The red zones read RED_ACTIVE while the object is in use,
# RED_INACTIVE while it is free; SLAB_POISON fills a free object with
# POISON_FREE (0x6b) and an allocated one with POISON_INUSE (0x5a), the
# last byte POISON_END (0xa5) either way (poison_obj()).

RED_INACTIVE = (0x09F911029D74E35B).to_bytes(8, "little")
RED_ACTIVE = (0xD84156C5635688C0).to_bytes(8, "little")


def debug_size(size, red_zone, store_user):
    """(size, obj_offset) as __kmem_cache_create() computes them (align 8)"""
    size = (size + 7) & ~7
    offset = 0
    if red_zone:
        offset = 8
        size += 16
    if store_user:
        size += 8
    return size, offset


def debug_layout(object_size, flags):
    """(size, objects, order): kmem_cache_layout() of the debug size"""
    size, _ = debug_size(object_size, "RED_ZONE" in flags, "STORE_USER" in flags)
    _, num, order, _ = kmem_cache_layout(size, False, object_size)
    return size, num, order


@pytest.mark.parametrize("size,flags,expect", [
    (64, "SLAB_RED_ZONE", (80, 49, 0)),                     # 4096 / (80 + 2): on-slab
    (64, "SLAB_STORE_USER", (72, 55, 0)),                   # 4096 / (72 + 2): on-slab
    (64, "SLAB_RED_ZONE|SLAB_STORE_USER", (88, 45, 0)),     # 4096 / 90: on-slab
    (64, "SLAB_POISON", (64, 62, 0)),                       # 4096 / 66
    (100, "SLAB_RED_ZONE|SLAB_POISON|SLAB_STORE_USER", (128, 32, 0)),  # objfreelist
    (200, "SLAB_POISON", (200, 20, 0)),                     # objfreelist: 20 * 2 <= 200
    (1500, "SLAB_RED_ZONE|SLAB_STORE_USER", (1528, 5, 1)),  # order 0 leaves 1040
])
def test_debug_layout(slab_machine, size, flags, expect):
    m = slab_machine
    c = m.kmem_cache_create("dl%d" % size, size, flags=flags)
    assert (c.size, c.objects_per_slab, c.order) == expect
    assert expect == debug_layout(size, flags)
    _, offset = debug_size(size, "RED_ZONE" in flags, "STORE_USER" in flags)
    objs = [c.alloc() for _ in range(3)]
    for a in objs:
        assert (a - offset) % 8 == 0
        if offset:
            assert m.read(a - 8, 8) == RED_ACTIVE
            assert m.read(a - offset + c.size - 8 - ("STORE_USER" in flags) * 8, 8) == RED_ACTIVE
        if "STORE_USER" in flags:
            assert m.read(a - offset + c.size - 8, 8) != bytes(8)     # the caller
    for a in objs:
        c.free(a)
    if offset:
        assert m.read(objs[0] - 8, 8) == RED_INACTIVE
    c.destroy()


def test_debug_needs_word_alignment(slab_machine):
    """ralign > __alignof__(unsigned long long): no red zone, no user word;
    kmalloc-64 (aligned to its size) keeps only the poison, kmalloc-96
    (8-aligned) gets 96 + 16 + 8 = 120 bytes."""
    m = slab_machine
    from libmm import slab_flags
    c = m.kmem_cache_create("hw", 64, flags="SLAB_RED_ZONE|SLAB_STORE_USER|SLAB_POISON|"
                            "SLAB_HWCACHE_ALIGN")
    assert c.size == 64 and c.flags & slab_flags("SLAB_POISON")
    assert not c.flags & slab_flags("SLAB_RED_ZONE|SLAB_STORE_USER")
    c.destroy()
    with Machine(**SMALL_CONFIG, slab="slab", debug="ZPU") as d:
        k64, k96 = d.kmalloc_cache(64), d.kmalloc_cache(96)
        assert k64.size == 64 and k64.flags & slab_flags("SLAB_POISON")
        assert not k64.flags & slab_flags("SLAB_RED_ZONE")
        assert k96.size == 120 and k96.flags & slab_flags("SLAB_RED_ZONE|SLAB_STORE_USER")
        p = d.kmalloc(90)
        assert d.read(p - 8, 8) == RED_ACTIVE and d.read(p + 96, 8) == RED_ACTIVE
        d.kfree(p)
        d.validate()


def test_poison_patterns(slab_machine):
    m = slab_machine
    c = m.kmem_cache_create("pz", 64, flags="SLAB_POISON")
    a = c.alloc()
    assert m.read(a, 64) == b"\x5a" * 63 + b"\xa5"          # POISON_INUSE
    c.free(a)
    assert m.read(a, 64) == b"\x6b" * 63 + b"\xa5"          # POISON_FREE
    z = m.kmem_cache_create("pzz", 64, flags="SLAB_POISON")
    zz = z.alloc(gfp="GFP_KERNEL|__GFP_ZERO")               # zeroed after the check
    assert m.read(zz, 64) == bytes(64) and m.slab_errors == 0
    z.free(zz)
    assert m.read(zz, 64) == b"\x6b" * 63 + b"\xa5"
    c.destroy()
    z.destroy()


def test_objfreelist_holder_is_not_corruption(slab_machine):
    """200 B with poison keeps OBJFREELIST_SLAB: the freelist lives in a
    free object's body; fixup_objfreelist_debug() re-poisons it when the
    slab fills, so filling and emptying slabs reports nothing."""
    m = slab_machine
    c = m.kmem_cache_create("ofl", 200, flags="SLAB_POISON")
    e0 = m.slab_errors
    for _ in range(3):
        objs = [c.alloc() for _ in range(45)]               # 2 full slabs + 5
        m.validate()
        for a in objs:
            c.free(a)
        m.validate()
    c.shrink()
    assert m.slab_errors == e0 and "Slab corruption" not in m.dmesg()
    c.destroy()


def test_write_after_free_report(slab_machine):
    """check_poison_obj() at the next allocation: "Slab corruption", the
    row at 0x010 with the bad byte, the single-bit hint (0x6a = 0x6b ^ 1),
    the neighbours; the object is kept out of use."""
    m = slab_machine
    c = m.kmem_cache_create("uaf", 64, flags="SLAB_POISON|SLAB_STORE_USER")
    a, b, d = c.alloc(), c.alloc(), c.alloc()
    c.free(b)
    m.write(b + 20, b"\x6a")
    e0 = m.slab_errors
    got = c.alloc()
    assert got != b and m.slab_errors == e0 + 1
    assert m.tainted & (1 << 5)
    log = m.dmesg()
    assert "Slab corruption (Not tainted): uaf start=%#x, len=64" % b in log
    assert "Last user: (" in log
    assert "010: 6b 6b 6b 6b 6a 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkjkkkkkkkkkkk" in log
    assert "Single bit error detected. Probably bad RAM." in log
    assert "Prev obj: start=" in log and "Next obj: start=" in log
    with pytest.raises(Exception, match="Invalid object pointer|double free"):
        c.free(b + 1)
    m.validate()                            # b is in use (quarantined): nothing to see
    for x in (a, d, got):
        c.free(x)
    with pytest.raises(Exception):
        c.destroy()                         # b stays allocated


def test_red_zone_overflow_refused(slab_machine):
    m = slab_machine
    c = m.kmem_cache_create("rz", 64, flags="SLAB_RED_ZONE")
    a = c.alloc()
    m.write(a + 64, b"\x00")
    with pytest.raises(Exception, match="rz.*red zone overwritten"):
        c.free(a)
    log = m.dmesg()
    assert "slab error in verify_redzone_free(): cache `rz': memory outside object was " \
           "overwritten" in log
    assert "%#x: redzone 1:0xd84156c5635688c0, redzone 2:0xd84156c563568800" % (a - 8) in log
    with pytest.raises(Exception, match="cache rz: allocated object %#x" % a):
        m.validate()                        # read-only: it stays damaged
    assert c.validate() == 1
    assert "slab error in kmem_cache_validate(): cache `rz'" in m.dmesg()
    m.write(a + 64, RED_ACTIVE[:1])
    m.validate()
    m.write(a - 1, b"\x00")                 # the first red zone
    with pytest.raises(Exception, match="red zone overwritten"):
        c.free(a)
    m.write(a - 1, RED_ACTIVE[7:])
    c.free(a)
    c.destroy()


def test_free_object_red_zone_damage(slab_machine):
    """A free object's red zone hit: mm_validate names it; the allocation
    that would hand it out reports cache_alloc_debugcheck_after()'s "double
    free, or memory outside object was overwritten" and takes another."""
    m = slab_machine
    c = m.kmem_cache_create("frz", 64, flags="SLAB_RED_ZONE|SLAB_POISON")
    a = c.alloc()
    c.free(a)
    m.write(a + 64, b"\x01")
    with pytest.raises(Exception, match="cache frz: free object %#x: end of a freed object "
                       "was overwritten" % a):
        m.validate()
    b = c.alloc()
    assert b != a
    assert "slab error in cache_alloc_debugcheck_after(): cache `frz': double free, or memory " \
           "outside object was overwritten" in m.dmesg()
    m.validate()                            # a is quarantined (in use, RED_ACTIVE)
    c.free(b)


def test_slab_destroy_checks_free_objects(slab_machine):
    """slab_destroy_debugcheck(): a shrink that frees a slab checks every
    object in it"""
    m = slab_machine
    c = m.kmem_cache_create("sdc", 128, flags="SLAB_POISON")
    a = c.alloc()
    c.free(a)
    m.write(a, b"\x00")
    c.shrink()
    assert "Slab corruption (Not tainted): sdc start=%#x, len=128" % a in m.dmesg()
    assert m.tainted & (1 << 5)
    c.destroy()


def test_debug_ctor_runs_at_each_alloc(slab_machine):
    """With poison the constructor runs after each allocation's check
    (cache_alloc_debugcheck_after()), not at slab creation"""
    m = slab_machine
    calls = []
    c = m.kmem_cache_create("dct", 64, flags="SLAB_POISON",
                            ctor=lambda addr: calls.append(addr))
    a = c.alloc()
    assert calls == [a]
    c.free(a)
    assert c.alloc() == a and calls == [a, a]
    c.free(a)
    c.destroy()
