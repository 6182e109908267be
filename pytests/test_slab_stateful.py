# SPDX-License-Identifier: GPL-2.0-only
"""Stateful property test of one SLUB cache against a pure-Python model.

Each run creates a cache with a random object size, alignment, flags (plain,
HWCACHE_ALIGN, debug flags, NO_MERGE) and optionally a constructor, then
allocates (single and bulk, on either CPU), frees (on either CPU, so many
frees are remote), writes, and shrinks.  Invariants after every step: live
objects are unique, aligned to the cache's alignment, never overlap, never
straddle a slab (slabs are 2^order aligned pages), their contents are what
was written last; fresh objects carry the constructor's pattern (the model
restores it before each free, as the kernel's ctor contract requires);
validate() passes.  Teardown frees everything, shrinks, destroys, drains,
and demands the buddyinfo the machine had before the cache existed.
TestSlabCacheSheaves runs the same model with per-CPU sheaves in front of
the slabs (slub_sheaves=1; the debug-flag caches keep none).
"""
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant,
                                 precondition, rule)

from libmm import Machine
from mmutil import SHEAVES, SMALL_CONFIG, sheaf_capacity

PAGE_SIZE = 4096
CTOR_BYTE = 0x3C
FLAGS = ["0", "SLAB_HWCACHE_ALIGN", "SLAB_NO_MERGE",
         "SLAB_RED_ZONE|SLAB_POISON|SLAB_STORE_USER|SLAB_CONSISTENCY_CHECKS",
         "SLAB_POISON", "SLAB_RED_ZONE", "SLAB_HWCACHE_ALIGN|SLAB_RECLAIM_ACCOUNT"]
DEBUG_FLAGS = ("SLAB_RED_ZONE", "SLAB_POISON", "SLAB_STORE_USER", "SLAB_CONSISTENCY_CHECKS")


def pattern(serial, n):
    word = serial.to_bytes(8, "little")
    return (word * (n // 8 + 1))[:n]


class SlabCacheModel(RuleBasedStateMachine):
    CONFIG = SMALL_CONFIG

    def __init__(self):
        super().__init__()
        self.m = Machine(**self.CONFIG)
        self.m.drain_pages()
        self.boot = self.m.buddyinfo()
        self.live = {}          # addr -> serial written
        self.serial = 0
        self.cache = None
        self.ctor = False

    @initialize(size=st.one_of(st.integers(1, 256), st.integers(1, 5000)),
                align=st.sampled_from([0, 8, 16, 64, 256]),
                flags=st.sampled_from(FLAGS), ctor=st.booleans())
    def create(self, size, align, flags, ctor):
        self.ctor = ctor
        cb = None
        if ctor:
            m = self.m

            def cb(addr, n=min(size, 64)):
                m.write(addr, bytes([CTOR_BYTE]) * n)
        self.size = size
        self.cache = self.m.kmem_cache_create("model", size, align=align, flags=flags,
                                              ctor=cb)
        c = self.cache
        assert c.object_size >= size
        assert c.size >= c.object_size
        assert c.align & (c.align - 1) == 0
        # the alignment objects must have (a merged cache may say less, but its
        # slot size is a multiple of it, which places every object right)
        want = max(align, 8)
        if "HWCACHE" in flags:
            ralign = 64
            while (size + 7) // 8 * 8 <= ralign // 2:
                ralign //= 2
            want = max(want, ralign)
        self.want_align = want
        assert c.objects_per_slab * c.size <= PAGE_SIZE << c.order
        assert c.objects_per_slab >= 1
        sheaves = self.CONFIG.get("slub_sheaves") and not any(f in flags for f in DEBUG_FLAGS)
        assert c.sheaf_capacity == (sheaf_capacity(c.size) if sheaves else 0)

    def _take(self, addr):
        assert addr not in self.live, "object %#x handed out twice" % addr
        if self.ctor:
            n = min(self.size, 64)
            assert self.m.read(addr, n) == bytes([CTOR_BYTE]) * n, "ctor state missing"
        self.serial += 1
        self.live[addr] = self.serial
        self.m.write(addr, pattern(self.serial, self.size))

    def _give(self, addr, cpu):
        if self.ctor:
            self.m.write(addr, bytes([CTOR_BYTE]) * min(self.size, 64))
        del self.live[addr]
        self.cache.free(addr, cpu=cpu)

    @rule(cpu=st.integers(0, 1), gfp=st.sampled_from(["GFP_KERNEL", "GFP_ATOMIC",
                                                       "GFP_KERNEL|__GFP_ZERO"]))
    def alloc(self, cpu, gfp):
        addr = self.cache.alloc(gfp=gfp, cpu=cpu)
        assert addr is not None
        if "ZERO" in gfp:
            assert self.m.read(addr, self.size) == bytes(self.size)
            if self.ctor:       # __GFP_ZERO wipes the ctor state: restore it
                self.m.write(addr, bytes([CTOR_BYTE]) * min(self.size, 64))
        self._take(addr)

    @rule(n=st.integers(1, 40), cpu=st.integers(0, 1))
    def alloc_bulk(self, n, cpu):
        addrs = self.cache.alloc_bulk(n, cpu=cpu)
        assert addrs is not None and len(set(addrs)) == n
        for a in addrs:
            self._take(a)

    @precondition(lambda self: self.live)
    @rule(data=st.data(), cpu=st.integers(0, 1))
    def free(self, data, cpu):
        addr = data.draw(st.sampled_from(sorted(self.live)))
        assert self.m.read(addr, self.size) == pattern(self.live[addr], self.size)
        self._give(addr, cpu)

    @precondition(lambda self: len(self.live) > 1)
    @rule(data=st.data(), cpu=st.integers(0, 1))
    def free_bulk(self, data, cpu):
        addrs = data.draw(st.lists(st.sampled_from(sorted(self.live)), min_size=1,
                                   max_size=30, unique=True))
        for a in addrs:
            if self.ctor:
                self.m.write(a, bytes([CTOR_BYTE]) * min(self.size, 64))
            del self.live[a]
        self.cache.free_bulk(addrs, cpu=cpu)

    @rule(cpu=st.integers(0, 1))
    def shrink(self, cpu):
        assert self.cache.shrink(cpu=cpu) >= 0

    @invariant()
    def objects_sane(self):
        if self.cache is None:
            return
        c = self.cache
        slab_bytes = PAGE_SIZE << c.order
        base = self.m.page_address(0)
        prev_end = 0
        for addr in sorted(self.live):
            assert addr % self.want_align == 0, "object %#x misaligned" % addr
            assert addr >= prev_end, "objects overlap at %#x" % addr
            prev_end = addr + c.object_size
            off = addr - base
            assert off // slab_bytes == (off + c.object_size - 1) // slab_bytes or \
                off // PAGE_SIZE == (off + c.object_size - 1) // PAGE_SIZE or \
                c.object_size > PAGE_SIZE, "object %#x straddles its slab" % addr
            assert self.m.read(addr, self.size) == pattern(self.live[addr], self.size)

    @invariant()
    def valid(self):
        self.m.validate()

    def settle(self):
        """After the cache is destroyed, before pages are compared."""

    def teardown(self):
        try:
            if self.cache is not None:
                for addr in list(self.live):
                    self._give(addr, 0)
                self.cache.shrink()
                self.cache.destroy()
                self.settle()
                self.m.drain_pages()
                self.m.validate()
                assert self.m.buddyinfo() == self.boot
        finally:
            self.m.close()


class SheafSlabCacheModel(SlabCacheModel):
    CONFIG = dict(SMALL_CONFIG, **SHEAVES)


class ClassicSlabCacheModel(SlabCacheModel):
    CONFIG = dict(SMALL_CONFIG, slab="slab")

    def settle(self):
        # an OFF_SLAB cache's freelists were kmalloc objects: their slabs stay
        # with the kmalloc caches (arrays, free lists) until those are shrunk
        self.m.quiesce()


class SlobSlabCacheModel(SlabCacheModel):
    CONFIG = dict(SMALL_CONFIG, slab="slob")


TestSlabCache = SlabCacheModel.TestCase
TestSlabCacheSLAB = ClassicSlabCacheModel.TestCase
TestSlabCacheSLOB = SlobSlabCacheModel.TestCase
TestSlabCacheSheaves = SheafSlabCacheModel.TestCase
