# SPDX-License-Identifier: GPL-2.0-only
"""Stateful property test of kmalloc against a pure-Python model.

Random kmalloc/kzalloc/krealloc/kfree of sizes 1 B .. 40 KiB with the
normal, DMA and reclaimable GFP variants, on either CPU.  Invariants: every
live pointer is unique and non-overlapping, ksize() is the kernel's size
class (or the compound page size above 8 KiB), contents survive krealloc up
to the smaller size, kzalloc memory is zero, validate() passes.  Teardown
frees everything, shrinks every kmalloc cache, drains, and demands the
buddyinfo the machine booted with.  TestKmallocSheaves runs the same model
with per-CPU sheaves in front of every kmalloc cache (slub_sheaves=1).
"""
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from libmm import Machine
from mmutil import SHEAVES, SMALL_CONFIG

CLASSES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192]
SIZES = st.one_of(st.integers(1, 200), st.integers(1, 8192), st.integers(8193, 40000),
                  st.sampled_from(CLASSES + [c + 1 for c in CLASSES[:-1]]))
GFPS = ["GFP_KERNEL", "GFP_ATOMIC", "GFP_KERNEL|__GFP_RECLAIMABLE", "GFP_DMA",
        "GFP_KERNEL|__GFP_ZERO"]


def size_class(n):
    """kmalloc's class for n bytes, or the compound page size above 8 KiB."""
    for c in CLASSES:
        if n <= c:
            return c
    pages = 1
    while pages * 4096 < n:
        pages *= 2
    return pages * 4096


def stamp(serial, n):
    return (serial.to_bytes(4, "little") * (n // 4 + 1))[:n]


class KmallocModel(RuleBasedStateMachine):
    CONFIG = SMALL_CONFIG

    @staticmethod
    def expected_ksize(size):
        return size_class(size)

    def __init__(self):
        super().__init__()
        self.m = Machine(**self.CONFIG)
        self.m.drain_pages()
        self.boot = self.m.buddyinfo()
        self.live = {}          # addr -> (size, serial)
        self.serial = 0

    def _fill(self, addr, size):
        self.serial += 1
        self.live[addr] = (size, self.serial)
        self.m.write(addr, stamp(self.serial, size))

    @rule(size=SIZES, gfp=st.sampled_from(GFPS), cpu=st.integers(0, 1))
    def kmalloc(self, size, gfp, cpu):
        addr = self.m.kmalloc(size, gfp=gfp, cpu=cpu)
        assert addr is not None and addr not in self.live
        assert self.m.ksize(addr) == self.expected_ksize(size)
        if "ZERO" in gfp:
            assert self.m.read(addr, size) == bytes(size)
        self._fill(addr, size)

    @rule(size=SIZES, cpu=st.integers(0, 1))
    def kzalloc(self, size, cpu):
        addr = self.m.kzalloc(size, cpu=cpu)
        assert self.m.read(addr, size) == bytes(size)
        self._fill(addr, size)

    @precondition(lambda self: self.live)
    @rule(data=st.data(), size=SIZES, cpu=st.integers(0, 1))
    def krealloc(self, data, size, cpu):
        addr = data.draw(st.sampled_from(sorted(self.live)))
        old, serial = self.live.pop(addr)
        new = self.m.krealloc(addr, size, cpu=cpu)
        assert new is not None
        keep = min(old, size)
        assert self.m.read(new, keep) == stamp(serial, keep)
        if size <= self.m.ksize(addr if new == addr else new) and new == addr:
            assert self.m.ksize(new) >= size
        assert self.m.ksize(new) >= size
        self._fill(new, size)

    @precondition(lambda self: self.live)
    @rule(data=st.data(), cpu=st.integers(0, 1))
    def kfree(self, data, cpu):
        addr = data.draw(st.sampled_from(sorted(self.live)))
        size, serial = self.live.pop(addr)
        assert self.m.read(addr, size) == stamp(serial, size)
        self.m.kfree(addr, cpu=cpu)

    @invariant()
    def sane(self):
        end = 0
        for addr in sorted(self.live):
            size, serial = self.live[addr]
            assert addr >= end, "kmalloc objects overlap at %#x" % addr
            end = addr + size
            assert self.m.read(addr, size) == stamp(serial, size)
        self.m.validate()

    def teardown(self):
        try:
            for addr in list(self.live):
                self.m.kfree(addr)
            for c in CLASSES:
                for gfp in ("GFP_KERNEL", "GFP_DMA", "GFP_KERNEL|__GFP_RECLAIMABLE"):
                    self.m.kmalloc_cache(c, gfp).shrink()
            self.m.drain_pages()
            self.m.validate()
            assert self.m.buddyinfo() == self.boot
        finally:
            self.m.close()


class SheafKmallocModel(KmallocModel):
    CONFIG = dict(SMALL_CONFIG, **SHEAVES)


class ClassicKmallocModel(KmallocModel):
    CONFIG = dict(SMALL_CONFIG, slab="slab")


class SlobKmallocModel(KmallocModel):
    """SLOB's kmalloc: the bytes asked for in whole SLOB_UNITs (2 bytes),
    below PAGE_SIZE - 8; whole pages above (__ksize() of mm/slob.c)."""
    CONFIG = dict(SMALL_CONFIG, slab="slob")

    @staticmethod
    def expected_ksize(size):
        if size < 4096 - 8:
            return (size + 1) // 2 * 2
        return 4096 << max(0, (size - 1).bit_length() - 12)


TestKmalloc = KmallocModel.TestCase
TestKmallocSLAB = ClassicKmallocModel.TestCase
TestKmallocSLOB = SlobKmallocModel.TestCase
TestKmallocSheaves = SheafKmallocModel.TestCase
