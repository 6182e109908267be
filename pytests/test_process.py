# SPDX-License-Identifier: GPL-2.0-only
"""User address spaces, pins, movable owners and migrate_pages()."""
import ctypes
import errno

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, consumes, invariant,
                                 precondition, rule)

import libmm
from mmutil import IsolationRules, checked_machine, other_policy_tests

SMALL = dict(cpus=2, DMA="0", DMA32="0", NORMAL="32M", MOVABLE="16M")
MB2 = 2 << 20


@pytest.fixture
def m():
    """validate() at teardown; no leak check: the processes a test leaves
    keep their pages until the machine goes."""
    yield from checked_machine(leak_check=False, **SMALL)


# ---- faults, mappings, access ------------------------------------------------

def test_fault_maps_a_zeroed_movable_page_for_real(m):
    p = m.process()
    pfn = p.fault(0x5000)
    assert p.pfn(0x5000) == pfn
    assert p.read(0x5000, 4096) == bytes(4096)          # user pages are zeroed
    p.write(0x5010, b"through the mapping")
    # the same bytes in the frame, seen through the direct map
    assert m.read(m.page_address(pfn) + 0x10, 19) == b"through the mapping"
    # and the host address is a real mapping of the frame
    host = p.host_address(0x5010)
    assert ctypes.string_at(host, 7) == b"through"
    assert p.info()["rss"] == 1 and p.info()["nr_folios"] == 1
    assert m.page_zone(pfn) in ("NORMAL", "MOVABLE")    # GFP_HIGHUSER_MOVABLE


def test_thp_fault_is_one_compound_folio(m):
    p = m.process()
    pfn = p.fault(MB2, order=9)
    assert pfn % 512 == 0
    assert [f[:3] for f in p.folios()] == [(MB2, pfn, 9)]
    assert p.pfn(MB2 + 5 * 4096) == pfn + 5
    assert p.info()["rss"] == 512
    assert m.vmstat()["thp_fault_alloc"] == 1
    p.write(MB2 + 4096 * 511, b"last")
    assert p.read(MB2 + 4096 * 511, 4) == b"last"


def test_unmap_frees_and_holes_are_fine(m):
    p = m.process()
    free0 = sum(z["free"] for z in m.zones)
    for a in range(0, 8 * 4096, 4096):
        p.fault(a)
    p.unmap(0, 16 * 4096)                   # includes holes
    m.drain_pages()
    assert sum(z["free"] for z in m.zones) == free0
    assert p.info()["rss"] == 0 and p.info()["nr_pgtables"] == 0
    with pytest.raises(ValueError, match="nothing is mapped"):
        p.read(0, 1)


@pytest.mark.parametrize("call, match", [
    (lambda p: p.fault(0x1001), "not aligned"),
    (lambda p: p.fault(0x1000, order=9), "not aligned"),
    (lambda p: p.fault(1 << 40), "outside"),
    (lambda p: p.fault(0, order=11), "above max_page_order"),
    (lambda p: p.unmap(0, 0), "outside"),
    (lambda p: p.unmap(0x800, 4096), "not aligned"),
    (lambda p: p.pfn(0x9000), "nothing is mapped"),
    (lambda p: p.pin(0x9000), "nothing is mapped"),
    (lambda p: p.unpin(0x9000), "nothing is mapped"),
    (lambda p: p.read(0x9000, 1), "nothing is mapped"),
    (lambda p: p.write(1 << 40, b"x"), "outside"),
])
def test_misuse_is_refused_and_nothing_changes(m, call, match):
    p = m.process()
    p.fault(0)
    p.write(0, b"keep")
    with pytest.raises(ValueError, match=match):
        call(p)
    assert p.read(0, 4) == b"keep" and p.info()["rss"] == 1


def test_double_fault_and_partial_unmap_of_a_thp_are_refused(m):
    p = m.process()
    p.fault(MB2, order=9)
    with pytest.raises(ValueError) as e:
        p.fault(MB2 + 4096)
    assert e.value.errno == errno.EEXIST
    with pytest.raises(ValueError, match="cuts the large folio"):
        p.unmap(MB2, 4096)
    assert p.info()["rss"] == 512
    p.unmap(MB2, MB2)
    assert p.info()["rss"] == 0


def test_free_pages_of_a_user_page_is_refused(m):
    p = m.process()
    pfn = p.fault(0)
    with pytest.raises(ValueError, match="mapped by process"):
        m.free_pages(pfn)
    assert p.pfn(0) == pfn


def test_close_releases_pins_and_pages(m):
    p = m.process()
    free0 = sum(z["free"] for z in m.zones)
    p.fault(0)
    p.fault(MB2, order=9)
    p.pin(0)
    p.pin(MB2 + 4096)
    p.close()
    p.close()                                   # idempotent
    m.drain_pages()
    assert sum(z["free"] for z in m.zones) == free0
    with pytest.raises(ValueError, match="closed"):
        p.fault(0)


def test_processes_die_with_their_machine():
    mm = libmm.Machine(**SMALL)
    p = mm.process()
    p.fault(0)
    mm.close()
    assert p.closed
    p.close()


# ---- pins ------------------------------------------------------------------------

def test_pinned_page_does_not_migrate_and_unpinned_does(m):
    p = m.process()
    pfn = p.fault(0)
    p.write(0, b"pinned")
    assert p.pin(0) == pfn
    assert p.info()["nr_pinned"] == 1
    r = m.migrate_pages([pfn])
    # migrate_pages_sync: -EAGAIN (refcount above mapping) on every pass
    assert r["not_migrated"] == 1 and r["failed"] == {"pinned": 1}
    assert r["first_pfn"] == {"pinned": pfn}
    assert m.vmstat()["pgmigrate_fail"] == 1
    with pytest.raises(ValueError, match="pinned") as e:
        p.unmap(0, 4096)
    assert e.value.errno == errno.EBUSY
    p.unpin(0)
    with pytest.raises(ValueError, match="not pinned"):
        p.unpin(0)
    r = m.migrate_pages([pfn])
    assert r["not_migrated"] == 0 and r["succeeded"] == 1
    assert p.pfn(0) != pfn and p.read(0, 6) == b"pinned"


def test_longterm_pin_moves_the_page_out_of_zone_movable(m):
    """FOLL_LONGTERM: a folio in ZONE_MOVABLE is not longterm pinnable
    (folio_is_longterm_pinnable); check_and_migrate_movable_folios()
    migrates it (MR_LONGTERM_PIN) to a GFP_USER page first."""
    p = m.process()
    # fill NORMAL so GFP_HIGHUSER_MOVABLE lands in MOVABLE
    hold = []
    while True:
        pfn = m.alloc_pages(gfp="GFP_KERNEL|__GFP_NOWARN")
        if pfn is None or m.page_zone(pfn) != "NORMAL":
            if pfn is not None:
                m.free_pages(pfn)
            break
        hold.append(pfn)
    for pfn in hold[:64]:                       # room for the target
        m.free_pages(pfn)
    # off the per-CPU list, where 6.18's auto-tuned high keeps them: with
    # nothing to reclaim, the slow path never drains it
    m.drain_pages()
    pfn = p.fault(0)
    assert m.page_zone(pfn) == "MOVABLE"
    p.write(0, b"dma buffer")
    assert p.pin(0) == pfn                      # short-term: pinned in place
    p.unpin(0)
    new = p.pin(0, longterm=True)
    assert new != pfn and m.page_zone(new) == "NORMAL"
    assert p.pfn(0) == new and p.read(0, 10) == b"dma buffer"
    assert m.vmstat()["pgmigrate_success"] == 1
    p.unpin(0)
    for pfn in hold[64:]:
        m.free_pages(pfn)


def test_longterm_pin_fails_when_the_page_cannot_leave_zone_movable(m):
    p = m.process()
    hold = []
    while True:
        pfn = m.alloc_pages(gfp="GFP_KERNEL|__GFP_NOWARN")
        if pfn is None:
            break
        hold.append(pfn)
    pfn = p.fault(0)                            # ZONE_MOVABLE still has room
    assert m.page_zone(pfn) == "MOVABLE"
    with pytest.raises(ValueError, match="could not be migrated out \\(no_target\\)"):
        p.pin(0, longterm=True)
    assert p.pfn(0) == pfn and p.info()["nr_pinned"] == 0
    for h in hold:
        m.free_pages(h)


# ---- movable owners --------------------------------------------------------------

class Pool:
    """A zsmalloc-like pool holding frames itself, by handle."""

    def __init__(self, m, name="pool", busy=False):
        self.m, self.handles, self.busy, self.log = m, {}, busy, []
        self.owner = m.movable_owner(name, migrate=self.migrate, isolate=self.isolate,
                                     putback=self.putback)

    def alloc(self, handle, data):
        pfn = self.m.alloc_pages(gfp="GFP_HIGHUSER_MOVABLE")
        self.m.write(self.m.page_address(pfn), data)
        self.owner.set_movable(pfn, private=handle)
        self.handles[handle] = pfn
        return pfn

    def isolate(self, pfn, handle):
        self.log.append(("isolate", handle))
        return True

    def migrate(self, dst, src, handle):
        if self.busy:
            return -errno.EAGAIN
        assert self.handles[handle] == src
        self.handles[handle] = dst
        return 0

    def putback(self, pfn, handle):
        self.log.append(("putback", handle))

    def read(self, handle, n):
        return self.m.read(self.m.page_address(self.handles[handle]), n)


def test_owner_migrates_its_pages_and_keeps_contents(m):
    pool = Pool(m)
    src = pool.alloc(7, b"seven")
    r = m.migrate_pages([src])
    assert r["succeeded"] == 1
    assert pool.handles[7] != src and pool.read(7, 5) == b"seven"
    assert ("isolate", 7) in pool.log
    m.free_pages(pool.handles[7])               # freeing unregisters it
    pool.owner.unregister()


def test_busy_owner_is_retried_then_reported_busy(m):
    pool = Pool(m, busy=True)
    src = pool.alloc(1, b"x")
    r = m.migrate_pages([src], mode="ASYNC")
    assert r["failed"] == {"busy": 1} and r["not_migrated"] == 1
    assert ("putback", 1) in pool.log
    assert pool.handles[1] == src
    m.free_pages(src)


def test_unregistered_pages_are_unmovable(m):
    pfn = m.alloc_pages(gfp="GFP_HIGHUSER_MOVABLE")
    r = m.migrate_pages([pfn, pfn + 1])
    assert r["failed"] == {"unmovable": 1, "not_allocated": 1}
    m.free_pages(pfn)


def test_owner_misuse(m):
    pool = Pool(m)
    pfn = pool.alloc(1, b"a")
    with pytest.raises(ValueError, match="movable already"):
        pool.owner.set_movable(pfn)
    with pytest.raises(ValueError, match="still has 1 movable"):
        pool.owner.unregister()
    p = m.process()
    upfn = p.fault(0)
    with pytest.raises(ValueError, match="mapped by a process"):
        pool.owner.set_movable(upfn)
    pair = m.alloc_pages(order=1)
    with pytest.raises(ValueError, match="not the head"):
        pool.owner.set_movable(pair + 1)
    m.free_pages(pair, order=1)
    pool.owner.clear_movable(pfn)
    with pytest.raises(ValueError, match="not a movable page"):
        pool.owner.clear_movable(pfn)
    assert m.migrate_pages([pfn])["failed"] == {"unmovable": 1}
    m.free_pages(pfn)
    pool.owner.unregister()


def test_lifetime_and_integer_arguments():
    """Process and owner calls enter the machine's gate: closing the
    machine from an owner's callback (inside compact_memory) is refused,
    calls after close raise ValueError and close()/unregister() are no-ops
    then; addresses, orders and nodes are integers, never converted."""
    m = libmm.Machine(**SMALL)
    p = m.process()
    p.fault(0)
    for bad in (1.0, "0", True):
        with pytest.raises(TypeError):
            p.fault(bad)
        with pytest.raises(TypeError):
            m.compact_memory(node=bad)
    with pytest.raises(TypeError):
        p.fault(4096, order=1.0)
    seen = []

    def migrate(dst, src, private):
        with pytest.raises(RuntimeError, match="inside one of its own calls"):
            m.close()
        seen.append((dst, src))
        return 0
    owner = m.movable_owner("gate", migrate)
    pfn = m.alloc_pages(gfp="GFP_HIGHUSER_MOVABLE")
    owner.set_movable(pfn)
    assert m.migrate_pages([pfn])["succeeded"] == 1 and seen
    m.close()
    with pytest.raises(ValueError, match="closed"):
        p.fault(4096)
    with pytest.raises(ValueError, match="closed"):
        m.compact_memory()
    p.close()
    owner.unregister()
    assert p.closed


def test_migrate_pages_arguments(m):
    with pytest.raises(ValueError, match="mode"):
        m.migrate_pages([0], mode="FAST")
    with pytest.raises(ValueError, match="outside the machine"):
        m.migrate_pages([1 << 40])
    with pytest.raises(ValueError, match="node"):
        m.migrate_pages([0], node=3)
    assert m.migrate_pages([])["not_migrated"] == 0


def test_thp_split_when_no_large_target(m):
    """migrate_pages_batch(): -ENOMEM for a large folio splits it
    (try_split_folio) and migrates the pieces (thp_migration_split)."""
    p = m.process()
    pfn = p.fault(0, order=9)
    p.write(4096 * 3, b"piece three")
    hold = []
    while True:                                 # no free order-9 block left
        h = m.alloc_pages(order=9, gfp="GFP_HIGHUSER_MOVABLE|__GFP_NOWARN|__GFP_NORETRY")
        if h is None:
            break
        hold.append(h)
    r = m.migrate_pages([pfn])
    assert r["thp_split"] == 1 and r["split"] == 1
    assert r["succeeded"] == 512 and r["thp_failed"] == 1
    folios = p.folios()
    assert len(folios) == 512 and all(f[2] == 0 for f in folios)
    assert p.read(4096 * 3, 11) == b"piece three"
    for h in hold:
        m.free_pages(h, order=9)


# ---- the state machine -------------------------------------------------------------

ADDRS = [i * 4096 for i in range(24)] + [MB2]


class ProcessModel(IsolationRules, RuleBasedStateMachine):
    """fault/unmap/write/pin/unpin/alloc/free/compact, vmstat ticks (with
    kcompactd), drains and pageblock isolation against a model of every
    process's contents, under the 6.18 page allocator policy (and, below,
    6.5, 6.10-6.14 and defrag_mode); validate() after every step, and no
    folio ever lands in an isolated pageblock (neither a fault nor a
    migration target comes from one: suitable_migration_target)."""

    procs = Bundle("procs")
    POLICY = {}

    def __init__(self):
        super().__init__()
        self.m = libmm.Machine(cpus=2, DMA="0", DMA32="0", NORMAL="8M", MOVABLE="4M",
                               **self.POLICY)
        self.model = {}         # process -> {folio addr: [order, bytes, pins]}
        self.pages = []         # plain allocations
        self.touched = {}       # (process, folio) -> offsets written
        self.isolated = set()   # isolated pageblock numbers
        self.where = {}         # (process, folio) -> pfn at the last step

    def teardown(self):
        self.m.close()

    @rule(target=procs)
    def new_process(self):
        p = self.m.process()
        self.model[p] = {}
        return p

    def _folio_of(self, p, addr):
        for a, (order, _data, _pins) in self.model[p].items():
            if a <= addr < a + (4096 << order):
                return a
        return None

    @rule(p=procs, addr=st.sampled_from(ADDRS), big=st.booleans())
    def fault(self, p, addr, big):
        if p.closed:
            return
        order = 9 if big and addr % MB2 == 0 else 0
        overlap = any(self._folio_of(p, a) is not None
                      for a in range(addr, addr + (4096 << order), 4096)) or any(
            a >= addr and a < addr + (4096 << order) for a in self.model[p])
        if overlap:
            with pytest.raises(ValueError):
                p.fault(addr, order=order)
            return
        if p.fault(addr, order=order) is not None:
            self.model[p][addr] = [order, bytearray(4096 << order), 0]

    @rule(p=procs, addr=st.sampled_from(ADDRS), data=st.binary(min_size=1, max_size=64))
    def write(self, p, addr, data):
        a = self._folio_of(p, addr) if not p.closed else None
        if a is None:
            return
        order, buf, _ = self.model[p][a]
        off = addr - a
        data = data[:(4096 << order) - off]
        p.write(addr, data)
        buf[off:off + len(data)] = data
        self.touched.setdefault((p, a), set()).update((off, off + len(data) - 1))

    @rule(p=procs, addr=st.sampled_from(ADDRS))
    def unmap(self, p, addr):
        a = self._folio_of(p, addr) if not p.closed else None
        if a is None:
            return
        order, _buf, pins = self.model[p][a]
        if pins:
            with pytest.raises(ValueError, match="pinned"):
                p.unmap(a, 4096 << order)
            return
        p.unmap(a, 4096 << order)
        del self.model[p][a]
        self.touched.pop((p, a), None)

    @rule(p=procs, addr=st.sampled_from(ADDRS), longterm=st.booleans())
    def pin(self, p, addr, longterm):
        a = self._folio_of(p, addr) if not p.closed else None
        if a is None:
            return
        try:
            p.pin(addr, longterm=longterm)
        except ValueError as e:
            assert longterm and "ZONE_MOVABLE" in str(e)
            return
        self.model[p][a][2] += 1
        if longterm:
            assert self.m.page_zone(p.pfn(addr)) != "MOVABLE"

    @rule(p=procs, addr=st.sampled_from(ADDRS))
    def unpin(self, p, addr):
        a = self._folio_of(p, addr) if not p.closed else None
        if a is None or not self.model[p][a][2]:
            return
        p.unpin(addr)
        self.model[p][a][2] -= 1

    @rule(order=st.integers(0, 3))
    def alloc(self, order):
        pfn = self.m.alloc_pages(order=order, gfp="GFP_KERNEL|__GFP_NOWARN")
        if pfn is not None:
            self.pages.append((pfn, order))

    @precondition(lambda self: self.pages)
    @rule(i=st.integers(0, 1000))
    def free(self, i):
        pfn, order = self.pages.pop(i % len(self.pages))
        self.m.free_pages(pfn, order=order)

    @rule()
    def compact(self):
        pinned = {(p, a): p.pfn(a) for p, folios in self.model.items() if not p.closed
                  for a, f in folios.items() if f[2]}
        self.m.compact_memory()
        for (p, a), pfn in pinned.items():
            assert p.pfn(a) == pfn              # pinned folios never move

    @rule(p=procs)
    def migrate_all(self, p):
        if p.closed:
            return
        pfns = [p.pfn(a) for a in self.model[p]]
        r = self.m.migrate_pages(pfns, mode="SYNC")
        pinned = sum(1 for f in self.model[p].values() if f[2])
        assert r["failed"].get("pinned", 0) == pinned

    @rule(p=consumes(procs))
    def close(self, p):
        p.close()
        self.model.pop(p, None)

    @rule(n=st.integers(1, 4))
    def tick(self, n):
        self.m.tick(n)

    @rule()
    def drain(self):
        self.m.drain_pages()

    @invariant()
    def contents_match(self):
        self.m.validate()
        where = {}
        for p, folios in self.model.items():
            if p.closed:
                continue
            for a, pfn, _order, _pins in p.folios():
                where[(p, a)] = pfn
                if self.where.get((p, a)) != pfn:       # faulted or moved
                    assert pfn >> self.m.pageblock_order not in self.isolated
        self.where = where
        for p, folios in self.model.items():
            if p.closed:
                continue
            assert sorted(a for a, *_ in p.folios()) == sorted(folios)
            for a, (order, buf, pins) in folios.items():
                # a THP: its first page and the pages written (each first
                # read through the mapping costs the host a page fault)
                for off in sorted({0} | {o & ~4095 for o in self.touched.get((p, a), ())}):
                    assert p.read(a + off, 4096) == bytes(buf[off:off + 4096])
            assert p.info()["nr_pinned"] == sum(f[2] for f in folios.values())


TestProcessModel = ProcessModel.TestCase

globals().update(other_policy_tests(ProcessModel, "TestProcessModel"))
