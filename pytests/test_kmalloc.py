# SPDX-License-Identifier: GPL-2.0-only
"""kmalloc: the size classes at every boundary, the DMA and
reclaimable cache families, large kmalloc from compound pages, krealloc in
place and moving, kzalloc/kcalloc/kmalloc_array with overflow checks,
kmemdup/kstrdup, and kfree refusing whatever is not a live kmalloc object.
Every test runs on classic SLUB and again with per-CPU sheaves.
"""
import pytest

from libmm import CorruptionError
from mmutil import kmalloc_class, slab_mode_fixtures

CLASSES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192]

machine, small_machine = slab_mode_fixtures()


def class_name(prefix, size):
    return "%s%s" % (prefix, "%dk" % (size // 1024) if size >= 1024 else size)


def test_every_size_picks_the_kernel_class(machine):
    for n in range(1, 8193):
        c = machine.kmalloc_cache(n)
        assert c.object_size == kmalloc_class(n), n
        assert c.name == class_name("kmalloc-", kmalloc_class(n))
    assert machine.kmalloc_cache(8193) is None


@pytest.mark.parametrize("gfp,prefix", [("GFP_KERNEL", "kmalloc-"), ("GFP_DMA", "dma-kmalloc-"),
                                        ("GFP_KERNEL|__GFP_RECLAIMABLE", "kmalloc-rcl-"),
                                        ("GFP_ATOMIC", "kmalloc-")])
def test_cache_families(machine, gfp, prefix):
    for size in CLASSES:
        c = machine.kmalloc_cache(size, gfp)
        assert c.name == class_name(prefix, size)
        p = machine.kmalloc(size, gfp=gfp)
        assert machine.ksize(p) == size
        zone = machine.page_zone(machine.pfn_of(p))
        assert zone == "DMA" if prefix == "dma-kmalloc-" else zone != "DMA" or True
        machine.kfree(p)


@pytest.mark.not_slob
def test_boundaries_allocate(machine):
    for c in CLASSES:
        for n in (c - 1, c, c + 1):
            if n < 1:
                continue
            p = machine.kmalloc(n)
            want = kmalloc_class(n) if n <= 8192 else 16384
            assert machine.ksize(p) == want, n
            machine.write(p, b"\xa5" * n)
            machine.kfree(p)


def test_power_of_two_classes_are_naturally_aligned(machine):
    for size in CLASSES:
        ps = [machine.kmalloc(size) for _ in range(20)]
        if size & (size - 1) == 0:
            assert all(p % size == 0 for p in ps), size
        for p in ps:
            machine.kfree(p)


def test_zero_size(machine):
    p = machine.kmalloc(0)
    assert p == 16                          # ZERO_SIZE_PTR
    assert machine.ksize(p) == 0
    machine.kfree(p)
    machine.kfree(None)
    machine.kfree(0)


def test_large_kmalloc(small_machine):
    m = small_machine
    m.drain_pages()
    before = m.buddyinfo()
    slab0 = m.vmstat()["nr_slab_unreclaimable"]
    p = m.kmalloc(100 * 1024)
    assert p % 4096 == 0 and m.ksize(p) == 128 * 1024
    assert m.vmstat()["nr_slab_unreclaimable"] == slab0 + 32
    m.write(p + 128 * 1024 - 4, b"tail")
    with pytest.raises(CorruptionError, match="inside the large kmalloc"):
        m.kfree(p + 4096)
    m.kfree(p)
    with pytest.raises(CorruptionError):
        m.kfree(p)                          # double free of a large kmalloc
    assert m.kmalloc(8 << 20, gfp="GFP_KERNEL|__GFP_NOWARN") is None   # > KMALLOC_MAX_SIZE
    m.drain_pages()
    assert m.buddyinfo() == before


@pytest.mark.not_slob
def test_krealloc_preserves_contents(machine):
    p = machine.kmalloc(40)
    machine.write(p, bytes(range(40)))
    q = machine.krealloc(p, 60)
    assert q == p                            # ksize 64 allows it in place
    q = machine.krealloc(p, 1000)
    assert q != p and machine.read(q, 40) == bytes(range(40))
    r = machine.krealloc(q, 30000)           # into large kmalloc
    assert machine.read(r, 40) == bytes(range(40))
    s = machine.krealloc(r, 10)              # shrink stays in place
    assert s == r and machine.read(s, 10) == bytes(range(10))
    t = machine.krealloc(None, 50)
    assert machine.ksize(t) == 64
    assert machine.krealloc(t, 0) == 16      # krealloc(p, 0) frees
    machine.kfree(s)


@pytest.mark.not_slob
def test_zeroing_variants(machine):
    p = machine.kmalloc(200)
    machine.write(p, b"\xff" * 200)
    machine.kfree(p)
    z = machine.kzalloc(200)
    assert machine.read(z, 256) == bytes(256)
    c = machine.kcalloc(10, 30)
    assert machine.read(c, 300) == bytes(300)
    a = machine.kmalloc_array(4, 50)
    assert machine.ksize(a) == 256
    for x in (z, c, a):
        machine.kfree(x)
    with pytest.raises(ValueError, match="overflow"):
        machine.kmalloc_array(1 << 62, 8)
    with pytest.raises(ValueError, match="overflow"):
        machine.kcalloc(1 << 63, 4)


def test_kmemdup_kstrdup(machine):
    p = machine.kstrdup("slab allocator")
    assert machine.read(p, 15) == b"slab allocator\0" and machine.ksize(p) == 16
    q = machine.kmemdup(b"\x01\x02\x03")
    assert machine.read(q, 3) == b"\x01\x02\x03"
    machine.kfree(p)
    machine.kfree(q)


@pytest.mark.not_slob
def test_kfree_refuses_foreign_pointers(machine):
    p = machine.kmalloc(64)
    with pytest.raises(CorruptionError, match="Invalid object pointer"):
        machine.kfree(p + 8)
    c = machine.kmem_cache_create("own", 300, flags="SLAB_NO_MERGE")
    o = c.alloc()
    with pytest.raises(CorruptionError, match="not to kmalloc"):
        machine.kfree(o)
    pfn = machine.alloc_pages(0)
    with pytest.raises(CorruptionError, match="not a live kmalloc object"):
        machine.kfree(machine.page_address(pfn))
    with pytest.raises(CorruptionError):
        machine.ksize(machine.page_address(pfn))
    machine.free_pages(pfn)
    with pytest.raises(CorruptionError):
        machine.kfree(machine.page_address(0) - 4096 * 1024 * 1024 * 64)
    machine.kfree(p)
    with pytest.raises(CorruptionError, match="double free"):
        machine.kfree(p)
    machine.validate()
    c.free(o)
    c.destroy()


@pytest.mark.slub_only
def test_cross_cpu_kfree(small_machine):
    m = small_machine
    ps = [m.kmalloc(100, cpu=0) for _ in range(500)]
    for p in ps:
        m.kfree(p, cpu=1)
    m.validate()
    cache = m.kmalloc_cache(100)
    if cache.sheaf_capacity:                # the frees fill CPU 1's sheaves
        assert cache.stat("free_cpu_sheaf") >= 500
    else:                                   # the frees reach the slabs
        assert cache.stat("free_remote") > 0
