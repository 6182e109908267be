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


def kmem_cache_layout(size, ctor):
    """__kmem_cache_create(): the size word-aligned, then objfreelist, else
    off-slab, else on-slab"""
    size = (size + 7) & ~7
    if not ctor:
        num, order, left = calculate_slab_order(size, "objfreelist")
        if num and num * IDX <= size:
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


def test_double_free_refused(slab_machine):
    m = slab_machine
    c = m.kmem_cache_create("df", 64, flags="SLAB_NO_MERGE")
    a = c.alloc()
    c.free(a)
    with pytest.raises(Exception, match="double free"):
        c.free(a)
    with pytest.raises(Exception, match="Invalid object pointer"):
        c.free(c.alloc() + 8)
    m.validate()
