# SPDX-License-Identifier: GPL-2.0-only
"""Test helpers: the kernel's formulas restated in Python, and state probes.

Everything a test compares the library against is computed here from the
kernel's rules rather than pasted: gfp_zone(), watermarks and
lowmem_reserve, the boot-time buddy layout, the fragmentation indices, the
/proc text layouts, and kmalloc's size classes with 7.0's sheaf
capacities.  The free-memory
probes and the validating machines are libmm.testing's (shipped with the
package); here their classic/sheaves parametrization for the slab suites.
"""
import math
import threading
from contextlib import contextmanager

import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import precondition, rule

from libmm import GFP, MIGRATETYPES, ZONE_NAMES
from libmm.testing import SMALL_CONFIG, checked_machine, free_total, pcp_total
from libmm.testing import snapshot as _snapshot

__all__ = ["SMALL_CONFIG", "checked_machine", "free_total", "pcp_total"]
SHEAVES = dict(slub_sheaves=1)
KERNEL_ZONE = {"DMA": "DMA", "DMA32": "DMA32", "NORMAL": "Normal",
               "MOVABLE": "Movable"}
LOWMEM_RESERVE_RATIO = (256, 256, 32, 0)        # DMA, DMA32, NORMAL, MOVABLE
ZONEMASK = int(GFP.GFP_ZONEMASK)

# gfp_zone(): zone bits -> highest zone index (x86-64, no HIGHMEM); missing = BAD
GFP_ZONE_TABLE = {0x0: 2, 0x1: 0, 0x2: 2, 0x4: 1, 0x8: 2, 0x9: 0, 0xA: 3, 0xC: 1}
BAD_ZONE_BITS = [b for b in range(16) if b not in GFP_ZONE_TABLE]


def gfp_zone(gfp):
    """Highest zone index a gfp value may use (None for an illegal combo)."""
    return GFP_ZONE_TABLE.get(int(gfp) & ZONEMASK)


def allowed_zones(gfp):
    return set(ZONE_NAMES[:gfp_zone(gfp) + 1])


# ---- machine state probes ----------------------------------------------

def managed_total(m):
    return sum(z["managed"] for z in m.zones)


def snapshot(m):
    """Everything a refused call must leave unchanged (as it is: no
    quiesce)."""
    return _snapshot(m, quiesce=False)


def zone_of(m, name, node=0):
    return next(z for z in m.zones if z["name"] == name and z["node"] == node)


def exhaust(m, gfp, order=0, limit=10 ** 6, **kw):
    """Allocate until the allocator says no; the PFNs obtained."""
    got = []
    for _ in range(limit):
        pfn = m.alloc_pages(order=order, gfp=gfp, **kw)
        if pfn is None:
            return got
        got.append(pfn)
    raise AssertionError("allocation never failed")


def parse_size(text):
    """"16M" -> bytes (K/M/G/T suffixes, plain numbers are bytes)."""
    text = str(text).strip().upper().rstrip("B")
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if text and text[-1] in mult:
        return int(text[:-1]) * mult[text[-1]]
    return int(text)


def parse_config(text):
    return dict(kv.split("=", 1) for kv in text.split())


# ---- §2.4 / §2.5 watermarks and lowmem_reserve -------------------------------

def default_min_free_kbytes(zones):
    """int_sqrt(lowmem_kbytes * 16) clamped to [128, 262144]; lowmem is the
    managed memory of the zones GFP_USER may use (<= NORMAL)."""
    lowmem_kbytes = sum(z["managed"] for z in zones
                        if z["zone_idx"] <= 2) * 4
    return min(max(math.isqrt(lowmem_kbytes * 16), 128), 262144)


def expected_watermarks(zones, min_free_kbytes=None, scale_factor=10):
    """{(node, zone): (min, low, high)} per __setup_per_zone_wmarks() of 6.x:
    ZONE_MOVABLE is treated like HIGHMEM (left out of lowmem_pages, min
    clamped to managed/1024 in [SWAP_CLUSTER_MAX, 128]); the captured 6.18
    zoneinfo shows it: an empty Movable zone has min 32."""
    if min_free_kbytes is None:
        min_free_kbytes = default_min_free_kbytes(zones)
    pages_min = min_free_kbytes >> 2
    lowmem_pages = sum(z["managed"] for z in zones if z["name"] != "MOVABLE")
    out = {}
    for z in zones:
        tmp = pages_min * z["managed"] // lowmem_pages
        wmin = tmp
        if z["name"] == "MOVABLE":
            wmin = min(max(z["managed"] // 1024, 32), 128)
        delta = max(tmp >> 2, z["managed"] * scale_factor // 10000)
        out[(z["node"], z["name"])] = (wmin, wmin + delta, wmin + 2 * delta)
    return out


def expected_lowmem_reserve(zones, ratios=LOWMEM_RESERVE_RATIO):
    """{(node, zone): [reserve against zone j for j in 0..3]}."""
    out = {}
    for z in zones:
        node = [y for y in zones if y["node"] == z["node"]]
        managed = [y["managed"] for y in sorted(node, key=lambda y: y["zone_idx"])]
        i, ratio = z["zone_idx"], ratios[z["zone_idx"]]
        row = [0] * len(ZONE_NAMES)
        for j in range(i + 1, len(ZONE_NAMES)):
            if ratio and managed[i]:
                row[j] = sum(managed[i + 1:j + 1]) // ratio
        out[(z["node"], z["name"])] = row
    return out


def reserve_mark(min_mark, gfp):
    """The min watermark a slow-path request must stay above (§1.5, §2.6)."""
    gfp = int(gfp)
    if gfp & int(GFP.__GFP_MEMALLOC) and not gfp & int(GFP.__GFP_NOMEMALLOC):
        return None                                   # no watermarks
    mark = min_mark
    if gfp & int(GFP.__GFP_HIGH):
        mark -= mark // 2
        if not gfp & int(GFP.__GFP_DIRECT_RECLAIM) and \
                not gfp & int(GFP.__GFP_NOMEMALLOC):
            mark -= mark // 4
    return mark


# ---- §3.2 boot layout --------------------------------------------------------

def aligned_blocks(start, count, max_order):
    """Free blocks per order when [start, start+count) is freed as whole
    maximal aligned buddy blocks (what a fresh zone holds)."""
    out = [0] * (max_order + 1)
    pfn, end = start, start + count
    while pfn < end:
        order = max_order
        while order and (pfn % (1 << order) or pfn + (1 << order) > end):
            order -= 1
        out[order] += 1
        pfn += 1 << order
    return out


# ---- §7.6 fragmentation indices ----------------------------------------

def contig_info(nr_free, suitable):
    total = sum(nr_free)
    pages = sum(n << o for o, n in enumerate(nr_free))
    suitable_blocks = sum(n << (o - suitable) for o, n in enumerate(nr_free)
                          if o >= suitable)
    return total, pages, suitable_blocks


def unusable_index(nr_free, order):
    _, pages, suitable = contig_info(nr_free, order)
    if pages == 0:
        return 1000
    return (pages - (suitable << order)) * 1000 // pages


def extfrag_index(nr_free, order):
    total, pages, suitable = contig_info(nr_free, order)
    if total == 0:
        return 0
    if suitable:
        return -1000
    return 1000 - (1000 + pages * 1000 // (1 << order)) // total


def c_div(a, b):
    """C's truncating integer division and remainder."""
    q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
    return q, a - q * b


def index_text(index, width):
    q, r = c_div(index, 1000)
    return "%*d.%03d " % (width, q, r)


# ---- §7.1 / §7.2 text layouts ----------------------------------------------

def buddyinfo_text(buddyinfo):
    return "".join("Node %d, zone %8s " % (node, KERNEL_ZONE[zone])
                   + "".join("%6d " % n for n in counts) + "\n"
                   for (node, zone), counts in buddyinfo.items())


def pagetypeinfo_text(pageblock_order, pagetypes, pageblocks):
    """pagetypes: {(node, zone): {mt: [..]}}; pageblocks: {(node, zone): {mt: n}}."""
    orders = len(next(iter(pagetypes.values()))["Unmovable"])
    out = ["Page block order: %d\n" % pageblock_order,
           "Pages per block:  %d\n" % (1 << pageblock_order), "\n",
           "%-43s " % "Free pages count per migrate type at order",
           "".join("%6d " % o for o in range(orders)), "\n"]
    # the CMA column exists with CMA areas (a CONFIG_CMA kernel)
    types = [mt for mt in MIGRATETYPES if mt in next(iter(pagetypes.values()))]
    for (node, zone), per_mt in pagetypes.items():
        for mt in types:
            out.append("Node %4d, zone %8s, type %12s " % (node, KERNEL_ZONE[zone], mt))
            out.append("".join((">%6d " % 100000) if n >= 100000 else "%6d " % n
                               for n in per_mt[mt]) + "\n")
    out.append("\n%-23s" % "Number of blocks type ")
    out.append("".join("%12s " % mt for mt in types) + "\n")
    for (node, zone), counts in pageblocks.items():
        out.append("Node %d, zone %8s " % (node, KERNEL_ZONE[zone])
                   + "".join("%12d " % counts[mt] for mt in types) + "\n")
    return "".join(out)


# ---- the slab suites' classic / sheaves runs ----------------------------------

def slab_mode_fixtures():
    """``machine`` and ``small_machine`` fixtures, each run three times: on
    SLUB as 6.18 has it ("classic"), with per-CPU sheaves ("sheaves"), and
    on SLAB (slab=slab) and SLOB (slab=slob).  Tests of SLUB's own behaviour (its layout, debug
    reports, statistics) carry ``@pytest.mark.slub_only`` and skip on SLAB.
    A test module overrides conftest's with ``machine, small_machine =
    slab_mode_fixtures()``."""
    modes = [pytest.param({}, id="classic"), pytest.param(SHEAVES, id="sheaves"),
             pytest.param({"slab": "slab"}, id="slab"), pytest.param({"slab": "slob"}, id="slob")]

    def checked(request, **config):
        if config.get("slab") in ("slab", "slob") and request.node.get_closest_marker("slub_only"):
            pytest.skip("SLUB's own behaviour")
        if config.get("slab") == "slob" and request.node.get_closest_marker("not_slob"):
            pytest.skip("SLOB has no per-cache slabs or size classes")
        yield from checked_machine(leak_check=False, **config)

    @pytest.fixture(params=modes)
    def machine(request):
        yield from checked(request, **request.param)

    @pytest.fixture(params=modes)
    def small_machine(request):
        yield from checked(request, **SMALL_CONFIG, **request.param)

    return machine, small_machine


def scribble_free_pointer(m, cache):
    """Objects a, b, d of cache; d then b freed (this CPU's freelist: b -> d),
    then one bit of b's stored (hardened) free pointer flipped.  Returns
    (a, b, d, the stored pointer before)."""
    a, b, d = cache.alloc(), cache.alloc(), cache.alloc()
    cache.free(d)
    cache.free(b)
    raw = int.from_bytes(m.read(b + cache.offset, 8), "little")
    m.write(b + cache.offset + 7, bytes([(raw >> 56) ^ 0x40]))
    return a, b, d, raw


def classic_only(cache, reason):
    """Skip the rest of a test whose cache has sheaves in front of its slabs."""
    if cache.sheaf_capacity:
        pytest.skip("classic SLUB only: " + reason)


# ---- kmalloc size classes and sheaf capacities -------------------------------

def kmalloc_class(n):
    """kmalloc_index(): size_index[] for <= 192 bytes, then powers of two."""
    if n <= 192:
        table = [8, 16, 32, 32, 64, 64, 64, 64, 96, 96, 96, 96, 128, 128, 128, 128] + [192] * 8
        return table[(n - 1) // 8]
    return 1 << (n - 1).bit_length()


SHEAF_HEADER = 32       # 7.0's struct slab_sheaf before objects[]


def sheaf_capacity(slot_size, minimum=0):
    """calculate_sheaf_capacity() of 7.0 for a cache of slot size s->size:
    60/26/12/4 objects by size, grown until the sheaf fills its kmalloc size
    class, at least slub_sheaf_capacity (minimum)."""
    if slot_size >= 4096:
        capacity = 4
    elif slot_size >= 1024:
        capacity = 12
    elif slot_size >= 256:
        capacity = 26
    else:
        capacity = 60
    capacity = (kmalloc_class(SHEAF_HEADER + capacity * 8) - SHEAF_HEADER) // 8
    return max(capacity, minimum)


SHEAF_STATS = ("alloc_cpu_sheaf", "free_cpu_sheaf", "sheaf_flush", "sheaf_refill",
               "sheaf_alloc", "sheaf_free", "barn_get", "barn_get_fail", "barn_put",
               "barn_put_fail", "alloc_fastpath", "alloc_slowpath")


def sheaf_stats(cache):
    """The sheaf counters of a cache and the cpu slab's allocation paths."""
    return {name: cache.stat(name) for name in SHEAF_STATS}


@contextmanager
def cpu_held_by_thread(m, cpu):
    """The body runs while another thread keeps CPU cpu of m bound (and idle)."""
    bound, release = threading.Event(), threading.Event()

    def hold():
        with m.on_cpu(cpu):
            bound.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert bound.wait(30)
        yield
    finally:
        release.set()
        t.join()


# ---- state machines: pageblock isolation, every page allocator policy -----

class IsolationRules:
    """Rules of a RuleBasedStateMachine with a machine in self.m and the
    isolated pageblock numbers in self.isolated: isolate one pageblock
    (refused - EBUSY, nothing changed - when it holds an unmovable page;
    movable ones, user pages among them, do not refuse), undo one."""

    @rule(data=st.data())
    def isolate(self, data):
        pb = data.draw(st.integers(0, (self.m.nr_pages >> self.m.pageblock_order) - 1))
        start = pb << self.m.pageblock_order
        if pb in self.isolated:
            return
        try:
            self.m.start_isolate_page_range(start, start + 1)
        except ValueError:
            return
        self.isolated.add(pb)

    @precondition(lambda self: self.isolated)
    @rule(data=st.data())
    def undo_isolate(self, data):
        pb = data.draw(st.sampled_from(sorted(self.isolated)))
        self.m.undo_isolate_page_range(pb << self.m.pageblock_order,
                                       (pb << self.m.pageblock_order) + 1)
        self.isolated.discard(pb)


# besides the default 6.18: the 6.5 policy, 6.5 with freelist hygiene
# (6.10-6.14's fallback) and 6.18 with defrag_mode
OTHER_POLICIES = {"65": dict(page_alloc_policy="6.5"),
                  "610": dict(page_alloc_policy="6.5", pa_freelist_hygiene=1),
                  "Defrag": dict(defrag_mode=1)}


def other_policy_tests(machine, prefix):
    """{prefix + suffix: TestCase} of a state machine whose machine takes
    its POLICY class attribute, under each of OTHER_POLICIES, with fewer
    examples (they share most of their code with 6.18's).  A test module
    adds them with globals().update(...)."""
    fewer = settings(settings.default, max_examples=min(settings.default.max_examples, 30))
    return {prefix + suffix: fewer(type(machine.__name__ + suffix, (machine,),
                                        {"POLICY": policy})).TestCase
            for suffix, policy in OTHER_POLICIES.items()}
