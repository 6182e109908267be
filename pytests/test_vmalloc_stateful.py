# SPDX-License-Identifier: GPL-2.0-only
"""Stateful property test of vmalloc/vfree/vmap/vunmap against a model.

Random vmalloc / vzalloc / vmalloc_32 / aligned allocations (random CPU),
frees, vmaps of pages the test owns, vunmaps, refused bad frees, and purges,
on a small machine with a small vmalloc range (so that the range fills,
lazy purges run and failures happen).  After every step: live areas never
overlap (guard page included), each lies inside [VMALLOC_START,
VMALLOC_END) at its alignment, the frames behind vmalloc areas are
distinct from each other and from the pages the test owns, every area's
contents (stamped through the vmalloc address) read back through the
direct map, vmallocinfo lists exactly the model's areas, and validate()
passes.  Teardown frees everything and demands the boot buddyinfo back.
"""
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from libmm import CorruptionError, Machine

PAGE = 4096
CONFIG = dict(cpus=2, DMA="16M", DMA32="32M", NORMAL="64M", vmalloc_size="8M")
SIZES = st.one_of(st.integers(1, 3 * PAGE), st.integers(1, 300 * PAGE))
CPUS = st.integers(0, 1)
KINDS = st.sampled_from(["vmalloc", "vzalloc", "vmalloc_32", "aligned"])


class VmallocModel(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.m = Machine(**CONFIG)
        self.m.drain_pages()
        self.boot = self.m.buddyinfo()
        self.start, self.end = self.m.vmalloc_range
        self.areas = {}         # addr -> dict(size, pages, kind, align, pfns, stamp)
        self.owned = []         # PFNs the test allocated for vmap
        self.serial = 0

    # ---- helpers --------------------------------------------------------

    def _stamp(self):
        self.serial += 1
        return b"<%08d>" % self.serial

    def _record(self, addr, size, kind, align=PAGE, pfns=None):
        npages = (size + PAGE - 1) // PAGE
        assert addr % max(align, PAGE) == 0, (addr, align)
        assert self.start <= addr and addr + (npages + 1) * PAGE <= self.end
        for a, area in self.areas.items():      # guard pages included
            assert addr + (npages + 1) * PAGE <= a or a + (area["pages"] + 1) * PAGE <= addr
        if pfns is None:
            pfns = [self.m.vmalloc_to_pfn(addr + i * PAGE) for i in range(npages)]
        stamp = self._stamp()
        for off in {0, (npages - 1) * PAGE}:
            self.m.write(addr + off, stamp)
        self.areas[addr] = dict(pages=npages, kind=kind, pfns=pfns, stamp=stamp)

    # ---- rules ------------------------------------------------------------

    @rule(size=SIZES, kind=KINDS, cpu=CPUS, align_shift=st.integers(12, 20))
    def alloc(self, size, kind, cpu, align_shift):
        align = PAGE
        if kind == "vmalloc":
            addr = self.m.vmalloc(size, cpu=cpu)
        elif kind == "vzalloc":
            addr = self.m.vzalloc(size, cpu=cpu)
        elif kind == "vmalloc_32":
            addr = self.m.vmalloc_32(size, cpu=cpu)
        else:
            align = 1 << align_shift
            addr = self.m.vmalloc(size, gfp="GFP_KERNEL|__GFP_ZERO", align=align, cpu=cpu)
        if addr is None:
            return                                # range or pages exhausted
        npages = (size + PAGE - 1) // PAGE
        if kind in ("vzalloc", "aligned"):
            assert self.m.read(addr, npages * PAGE) == bytes(npages * PAGE)
        if kind == "vmalloc_32":
            pfn = self.m.vmalloc_to_pfn(addr)
            assert self.m.page_zone(pfn) in ("DMA", "DMA32")
        self._record(addr, size, kind, align)

    @rule(data=st.data(), cpu=CPUS)
    def free(self, data, cpu):
        live = sorted(a for a, v in self.areas.items() if v["kind"] != "vmap")
        if not live:
            return
        addr = data.draw(st.sampled_from(live))
        self.m.vfree(addr, cpu=cpu)
        del self.areas[addr]

    @rule(n=st.integers(1, 8), reverse=st.booleans())
    def vmap(self, n, reverse):
        pfns = []
        for _ in range(n):
            pfn = self.m.alloc_pages(0, cpu=0)
            if pfn is None:
                break
            pfns.append(pfn)
        self.owned += pfns
        if not pfns:
            return
        if reverse:
            pfns = pfns[::-1]
        addr = self.m.vmap(pfns)
        if addr is None:
            return
        for i, pfn in enumerate(pfns):
            assert self.m.vmalloc_to_pfn(addr + i * PAGE) == pfn
        self._record(addr, len(pfns) * PAGE, "vmap", pfns=pfns)

    @rule(data=st.data())
    def vunmap(self, data):
        live = sorted(a for a, v in self.areas.items() if v["kind"] == "vmap")
        if not live:
            return
        addr = data.draw(st.sampled_from(live))
        self.m.vunmap(addr)
        area = self.areas.pop(addr)
        for pfn in area["pfns"]:      # the pages are ours again: free them
            self.m.free_pages(pfn)
            self.owned.remove(pfn)

    @rule(data=st.data(), off=st.integers(1, 4 * PAGE))
    def bad_free(self, data, off):
        if not self.areas:
            return
        addr = data.draw(st.sampled_from(sorted(self.areas)))
        if addr + off in self.areas:
            return                                # a live area's start
        before = self.m.text("vmallocinfo")
        try:
            self.m.vfree(addr + off)
        except CorruptionError:
            pass
        else:
            raise AssertionError("vfree(%#x + %d) was accepted" % (addr, off))
        assert self.m.text("vmallocinfo") == before

    @rule()
    def purge(self):
        self.m.vm_unmap_aliases()
        assert self.m.report()["vmalloc"]["lazy_areas"] == 0

    # ---- invariants -------------------------------------------------------------

    @invariant()
    def frames_distinct(self):
        seen = set(self.owned)
        assert len(seen) == len(self.owned)
        for area in self.areas.values():
            if area["kind"] == "vmap":
                continue
            for pfn in area["pfns"]:
                assert pfn not in seen, pfn
                seen.add(pfn)

    @invariant()
    def contents_alias(self):
        for addr, area in self.areas.items():
            last = area["pages"] - 1
            for i in {0, last}:
                direct = self.m.page_address(area["pfns"][i])
                assert self.m.read(direct, 10) == area["stamp"]
                assert self.m.read(addr + i * PAGE, 10) == area["stamp"]

    @invariant()
    def vmallocinfo_matches(self):
        info = self.m.vmallocinfo()
        assert [a["start"] for a in info] == sorted(self.areas)
        for a in info:
            area = self.areas[a["start"]]
            assert a["size"] == (area["pages"] + 1) * PAGE
            assert a["kind"] == ("vmap" if area["kind"] == "vmap" else "vmalloc")
            if a["kind"] == "vmalloc":
                assert a["pages"] == area["pages"]

    @invariant()
    def valid(self):
        self.m.validate()

    def teardown(self):
        m = self.m
        try:
            for addr, area in list(self.areas.items()):
                if area["kind"] == "vmap":
                    m.vunmap(addr)
                else:
                    m.vfree(addr)
            for pfn in self.owned:
                m.free_pages(pfn)
            m.vm_unmap_aliases()
            m.validate()
            m.drain_pages()
            assert m.buddyinfo() == self.boot
            rep = m.report()["vmalloc"]
            assert rep["areas"] == 0 and rep["free_areas"] == 1
        finally:
            m.close()


TestVmallocStateful = VmallocModel.TestCase
