# SPDX-License-Identifier: GPL-2.0-only
"""Stateful property test of the page allocator against a pure-Python model.

Random allocations (random order, GFP from a set of legal combinations,
random CPU), frees (on any CPU), drains, vmstat ticks, pageblock isolation
and its undo, and refused bad frees, on the small machine - under the 6.18
policy, the 6.5 one, 6.5 with freelist hygiene (6.10-6.14's fallback) and
6.18 with defrag_mode.  After every step: live blocks never overlap, each
is aligned to 2^order and lies in a zone its GFP allows (gfp_zone) and
outside isolated pageblocks, block contents are intact, validate() passes
(with freelist hygiene: every free block on its pageblock type's list), and
free pages (buddy + per-CPU lists + isolated) equal the managed pages minus
the model's live pages.  Teardown frees everything, undoes the isolations,
drains, and demands the boot-time buddyinfo back (exactly, unless a
HIGHATOMIC reserve legitimately keeps a pageblock apart).
"""
import bisect

from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant,
                                 precondition, rule)

from libmm import CorruptionError, Machine
from mmutil import (SMALL_CONFIG, IsolationRules, allowed_zones, free_total,
                    managed_total, other_policy_tests)

GFPS = ["GFP_KERNEL", "GFP_ATOMIC", "GFP_DMA", "GFP_KERNEL|GFP_DMA32",
        "GFP_HIGHUSER_MOVABLE", "GFP_KERNEL|__GFP_RECLAIMABLE",
        "GFP_KERNEL|__GFP_ZERO", "GFP_KERNEL|__GFP_COMP", "GFP_ATOMIC|__GFP_ZERO",
        "GFP_HIGHUSER_MOVABLE|__GFP_ZERO", "GFP_KERNEL|GFP_DMA|__GFP_COMP",
        "GFP_NOWAIT|__GFP_MOVABLE", "GFP_USER|__GFP_NOWARN", "GFP_ATOMIC|__GFP_NOWARN"]
ORDERS = st.one_of(st.integers(0, 3), st.integers(0, 10))
CPUS = st.integers(0, 1)
REQUESTS = st.lists(st.tuples(ORDERS, st.sampled_from(GFPS), CPUS), max_size=40)


class PageAllocModel(IsolationRules, RuleBasedStateMachine):
    POLICY = {}

    def __init__(self):
        super().__init__()
        self.m = Machine(**dict(SMALL_CONFIG, **self.POLICY))
        self.boot = self.m.buddyinfo()
        self.total = managed_total(self.m)
        self.live = {}            # pfn -> (order, gfp text)
        self.starts = []          # sorted live pfns
        self.live_pages = 0
        self.isolated = set()     # isolated pageblock numbers (one zone each)

    # ---- model helpers ------------------------------------------------

    def _overlaps(self, pfn, order):
        i = bisect.bisect_right(self.starts, pfn)
        if i and self.starts[i - 1] + (1 << self.live[self.starts[i - 1]][0]) > pfn:
            return True
        return i < len(self.starts) and self.starts[i] < pfn + (1 << order)

    def _stamp(self, pfn, order):
        return b"%016x" % (pfn * 2654435761 + order)

    def _ends(self, pfn, order):
        base = self.m.page_address(pfn)
        return base, base + (4096 << order) - 16

    # ---- rules --------------------------------------------------------

    @rule(order=ORDERS, gfp=st.sampled_from(GFPS), cpu=CPUS)
    def alloc(self, order, gfp, cpu):
        pfn = self.m.alloc_pages(order=order, gfp=gfp, cpu=cpu)
        if pfn is None:
            return
        assert pfn % (1 << order) == 0, (pfn, order)
        assert self.m.page_zone(pfn) in allowed_zones(self.m.gfp(gfp)), (pfn, gfp)
        assert self.m.page_zone(pfn + (1 << order) - 1) == self.m.page_zone(pfn)
        assert not self._overlaps(pfn, order), (pfn, order)
        assert pfn >> self.m.pageblock_order not in self.isolated, (pfn, "isolated")
        first, last = self._ends(pfn, order)
        if "__GFP_ZERO" in gfp:
            assert self.m.read(first, 4096 << order) == bytes(4096 << order)
        for addr in (first, last):
            self.m.write(addr, self._stamp(pfn, order))
        self.live[pfn] = (order, gfp)
        bisect.insort(self.starts, pfn)
        self.live_pages += 1 << order

    @initialize(requests=REQUESTS)
    def populate(self, requests):
        """Start every run from a machine already holding some blocks."""
        for order, gfp, cpu in requests:
            self.alloc(order, gfp, cpu)

    @rule(requests=REQUESTS)
    def alloc_burst(self, requests):
        self.populate(requests)

    @precondition(lambda self: self.live)
    @rule(data=st.data(), cpu=CPUS)
    def free(self, data, cpu):
        self._free(data.draw(st.sampled_from(tuple(self.starts))), cpu)

    @precondition(lambda self: self.live)
    @rule(data=st.data())
    def free_burst(self, data):
        victims = data.draw(st.lists(st.sampled_from(tuple(self.starts)), unique=True,
                                     max_size=30))
        for pfn in victims:
            self._free(pfn, data.draw(CPUS))

    def _free(self, pfn, cpu):
        order, _ = self.live[pfn]
        for addr in self._ends(pfn, order):
            assert self.m.read(addr, 16) == self._stamp(pfn, order), "block overwritten"
        self.m.free_pages(pfn, order=order, cpu=cpu)
        del self.live[pfn]
        self.starts.remove(pfn)
        self.live_pages -= 1 << order

    @rule(data=st.data(), order=st.integers(0, 10), cpu=CPUS)
    def bad_free(self, data, order, cpu):
        """Any (pfn, order) that is not a live block's head and order."""
        pfn = data.draw(st.integers(0, self.m.nr_pages - 1))
        if self.live.get(pfn, (None,))[0] == order:
            return
        before = (self.m.buddyinfo(), free_total(self.m))
        try:
            self.m.free_pages(pfn, order=order, cpu=cpu)
        except (CorruptionError, ValueError):
            pass
        else:
            raise AssertionError("bad free of pfn %#x order %d accepted" % (pfn, order))
        assert (self.m.buddyinfo(), free_total(self.m)) == before

    @rule()
    def drain(self):
        self.m.drain_pages()

    @rule(n=st.integers(1, 12))
    def tick(self, n):
        self.m.tick(n)

    # ---- invariants ---------------------------------------------------

    @invariant()
    def consistent(self):
        self.m.validate()
        isolated = sum(sum(n << o for o, n in enumerate(z["nr_free_mt"]["Isolate"]))
                       for z in self.m.zones if z["present"])
        assert free_total(self.m) + isolated == self.total - self.live_pages

    def teardown(self):
        try:
            for pfn, (order, _) in list(self.live.items()):
                self.m.free_pages(pfn, order=order)
            for pb in self.isolated:
                self.m.undo_isolate_page_range(pb << self.m.pageblock_order,
                                               (pb << self.m.pageblock_order) + 1)
            self.m.drain_pages()
            self.m.validate()
            assert free_total(self.m) == self.total
            bi = self.m.buddyinfo()
            if all(z["nr_reserved_highatomic"] == 0 for z in self.m.zones):
                assert bi == self.boot
            else:       # a HIGHATOMIC pageblock does not merge with its buddy
                for key, counts in bi.items():
                    assert sum(counts[:self.m.pageblock_order]) == 0, key
        finally:
            self.m.close()


TestPageAlloc = PageAllocModel.TestCase


globals().update(other_policy_tests(PageAllocModel, "TestPageAlloc"))
