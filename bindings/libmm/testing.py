# SPDX-License-Identifier: GPL-2.0-only
"""libmm.testing - what a property test of libmm (or of code on top of it)
needs: machines checked at teardown, free-memory conservation that accounts
for the caches, and hypothesis strategies for the kernel's inputs.

    # conftest.py of a user's suite
    pytest_plugins = ["libmm.testing"]      # the fixtures: machine, make_machine

    def test_pages_come_back(machine):      # validated + leak-checked at teardown
        with machine.on_cpu(1):
            pfns = [machine.alloc_pages(order=2) for _ in range(100)]
            for pfn in pfns:
                machine.free_pages(pfn, order=2)

Free memory is not "zone free pages": pages on per-CPU lists are not free
(NR_FREE_PAGES excludes them, as in the kernel), and slabs, sheaves and
lazily freed vmalloc areas hold pages after everything was freed.
``snapshot(m)`` and ``assert_conserved(m, snap)`` compare the machine in the
quiet state (``m.quiesce()``: caches shrunk, lazy areas purged, per-CPU
lists drained) - the state a fresh machine is in.

The strategies (needs python3-hypothesis): ``gfp_masks()`` (GFP values
alloc_pages and kmalloc accept), ``orders()``, ``kmalloc_sizes()``,
``machine_configs()`` (small machines, with or without slub_debug, sheaves,
init_on_alloc/free).
"""
import dataclasses

from .gfp import GFP
from .machine import Machine

#: a small machine: 2 CPUs, 208 MiB (the machine fixture's config)
SMALL_CONFIG = dict(cpus=2, DMA="16M", DMA32="64M", NORMAL="128M")


# ---- free memory ----------------------------------------------------------

def pcp_total(m):
    """Pages on every CPU's per-CPU lists, all zones (not free)."""
    return sum(m.pcp(c, z["node"], z["name"])["count"]
               for c in range(m.nr_cpus) for z in m.zones if z["present"])


def free_total(m):
    """Pages that are free or on a per-CPU list: the buddy's NR_FREE_PAGES
    of every zone plus the per-CPU lists."""
    return sum(z["free"] for z in m.zones) + pcp_total(m)


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """What snapshot() saw: free pages per (node, zone); with quiesced
    False also the exact free lists and per-CPU counts."""
    quiesced: bool
    free: tuple                     # ((node, zone, free pages), ...)
    buddyinfo: tuple = ()
    pagetypeinfo: tuple = ()
    pcp: tuple = ()

    @property
    def total(self):
        """Free pages of every zone together."""
        return sum(f for _, _, f in self.free)


def snapshot(m, quiesce=True, cpu=None):
    """The machine's free memory.  quiesce=True (for assert_conserved after
    the test's frees) first brings it to the quiet state; quiesce=False
    reads it as it is - everything a refused call must leave unchanged."""
    if quiesce:
        m.quiesce(cpu=cpu)
    zones = m.zones
    free = tuple((z["node"], z["name"], z["free"]) for z in zones)
    if quiesce:
        return Snapshot(True, free)
    return Snapshot(
        False, free,
        buddyinfo=tuple(sorted((k, tuple(v)) for k, v in m.buddyinfo().items())),
        pagetypeinfo=tuple(sorted((k, tuple((mt, tuple(c)) for mt, c in v.items()))
                                  for k, v in m.pagetypeinfo().items())),
        pcp=tuple((c, z["node"], z["name"], tuple(sorted(m.pcp(c, z["node"], z["name"]).items())))
                  for c in range(m.nr_cpus) for z in zones if z["present"]))


def assert_conserved(m, snap, cpu=None):
    """AssertionError unless the machine's free memory equals snap's: per
    zone after quiesce() (snap quiesced), or exactly (snap not quiesced).
    The message names the zones that differ and the caches holding
    objects."""
    now = snapshot(m, quiesce=snap.quiesced, cpu=cpu)
    if now == snap:
        return
    lines = ["free memory not conserved (%s): %d pages then, %d now"
             % ("after quiesce" if snap.quiesced else "exact state",
                snap.total, now.total)]
    for (node, zone, before), (_, _, after) in zip(snap.free, now.free):
        if before != after:
            lines.append("  node %d %-7s %d -> %d (%+d)" % (node, zone, before, after,
                                                             after - before))
    busy = [r for r in m.slabinfo() if r["active_objs"]]
    for r in busy:
        lines.append("  cache %s: %d objects in use" % (r["name"], r["active_objs"]))
    vm = m.vmallocinfo()
    if vm:
        lines.append("  vmalloc: %d live areas" % len(vm))
    raise AssertionError("\n".join(lines))


# ---- machines checked at teardown ---------------------------------------------

def checked_machine(leak_check=True, **config):
    """Generator for a fixture: a Machine(**config) that must pass
    validate() at teardown and, with leak_check, give back every page it had
    (assert_conserved against its quiet state at creation).  A test that
    closes the machine skips both."""
    m = Machine(**config)
    try:
        snap = snapshot(m) if leak_check else None
        yield m
        if not m.closed:
            m.validate()
            if leak_check:
                assert_conserved(m, snap)
    finally:
        m.close()


try:
    import pytest
except ImportError:             # the helpers above work without pytest
    pytest = None

if pytest is not None:
    @pytest.fixture
    def machine():
        """A small machine (SMALL_CONFIG), validated and leak-checked at
        teardown."""
        yield from checked_machine(**SMALL_CONFIG)

    @pytest.fixture
    def make_machine():
        """make_machine(leak_check=True, **config) -> Machine; every machine
        it made is validated (and leak-checked) at teardown."""
        gens = []

        def make(leak_check=True, **config):
            gen = checked_machine(leak_check=leak_check, **config)
            m = next(gen)
            gens.append(gen)
            return m
        yield make
        errors = []
        for gen in gens:
            try:
                next(gen, None)
            except AssertionError as e:
                errors.append(e)
        if errors:
            raise errors[0]


# ---- hypothesis strategies ----------------------------------------------------

# gfp_zone()'s legal zone-modifier combinations (x86-64)
LEGAL_ZONE_BITS = (0x0, 0x1, 0x2, 0x4, 0x8, 0x9, 0xA, 0xC)
GFP_MODIFIERS = ("__GFP_HIGH", "__GFP_IO", "__GFP_FS", "__GFP_DIRECT_RECLAIM",
                 "__GFP_KSWAPD_RECLAIM", "__GFP_NOWARN", "__GFP_RETRY_MAYFAIL",
                 "__GFP_NORETRY", "__GFP_ZERO", "__GFP_MEMALLOC", "__GFP_NOMEMALLOC",
                 "__GFP_HARDWALL", "__GFP_ACCOUNT", "__GFP_WRITE", "__GFP_RECLAIMABLE")
GFP_COMPOSITES = ("GFP_KERNEL", "GFP_ATOMIC", "GFP_NOWAIT", "GFP_NOIO", "GFP_NOFS",
                  "GFP_USER", "GFP_HIGHUSER", "GFP_HIGHUSER_MOVABLE", "GFP_KERNEL_ACCOUNT")


def gfp_legal(gfp):
    """Would alloc_pages accept gfp (known bits, a possible zone-modifier
    combination, not __GFP_MOVABLE with __GFP_RECLAIMABLE)?"""
    gfp = int(gfp)
    movable = int(GFP.__GFP_MOVABLE) | int(GFP.__GFP_RECLAIMABLE)
    return (gfp & ~int(GFP.__GFP_VALID_MASK)) == 0 and \
        (gfp & int(GFP.GFP_ZONEMASK)) in LEGAL_ZONE_BITS and (gfp & movable) != movable


try:
    from hypothesis import strategies as st
except ImportError:
    st = None


def _need_hypothesis():
    if st is None:
        raise RuntimeError("libmm.testing strategies need hypothesis (python3-hypothesis)")


def gfp_masks(nofail=False, zone=True):
    """Legal GFP values: a kernel composite or a zone-modifier combination,
    plus any modifiers.  nofail: may hold __GFP_NOFAIL; zone=False: no zone
    modifiers (kmem_cache_alloc's usual masks)."""
    _need_hypothesis()
    mods = GFP_MODIFIERS + (("__GFP_NOFAIL",) if nofail else ())
    base = st.one_of(st.sampled_from([int(GFP[n]) for n in GFP_COMPOSITES]),
                     st.sampled_from(LEGAL_ZONE_BITS if zone else (0,)))
    extra = st.lists(st.sampled_from([int(GFP[n]) for n in mods]), max_size=4)
    mask = int(GFP.GFP_ZONEMASK) if not zone else 0
    return st.builds(lambda b, e: (b | sum(set(e))) & ~mask, base, extra).filter(gfp_legal)


def orders(max_order=10):
    """Page orders 0..max_order, mostly the small ones."""
    _need_hypothesis()
    return st.one_of(st.integers(0, min(3, max_order)), st.integers(0, max_order))


def kmalloc_sizes(max_size=8192):
    """kmalloc sizes 1..max_size, weighted to the size-class edges
    (kmalloc-96, kmalloc-192 and the powers of two, +-1); sizes above 8 KiB
    (max_size > 8192) are large kmallocs straight from the page allocator."""
    _need_hypothesis()
    edges = sorted({e + d for e in (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048,
                                    4096, 8192) for d in (-1, 0, 1)
                    if 1 <= e + d <= max_size})
    return st.one_of(st.sampled_from(edges), st.integers(1, max_size))


def machine_configs(max_cpus=4, debug=True, sheaves=True):
    """Keyword dicts for Machine(**config): small machines (1..max_cpus
    CPUs, one or two nodes, 48-400 MiB a node) with a seed, and sometimes
    slub_debug, per-CPU sheaves, init_on_alloc/init_on_free, no pcp."""
    _need_hypothesis()
    optional = {"init_on_alloc": st.just(1), "init_on_free": st.just(1),
                "pcp": st.just("off")}
    if debug:
        optional["debug"] = st.sampled_from(["FZPU", "Z", "P", "U", "FZ"])
    if sheaves:
        optional["slub_sheaves"] = st.just(1)
    return st.fixed_dictionaries(
        {"cpus": st.integers(1, max_cpus), "nodes": st.integers(1, 2),
         "DMA": st.sampled_from(["0", "16M"]), "DMA32": st.sampled_from(["0", "64M"]),
         "NORMAL": st.sampled_from(["32M", "64M", "128M", "256M"]),
         "seed": st.integers(0, 2 ** 32)},
        optional=optional)


__all__ = ["SMALL_CONFIG", "Snapshot", "assert_conserved", "checked_machine", "free_total",
           "gfp_legal", "gfp_masks", "kmalloc_sizes", "machine_configs", "orders",
           "pcp_total", "snapshot"]
