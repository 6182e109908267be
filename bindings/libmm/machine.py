# SPDX-License-Identifier: GPL-2.0-only
"""The Pythonic ``Machine``: the page-allocator part, taint, fault
injection, page state and quiescing.

A Machine owns one ``struct mm``.  PFNs, addresses and sizes are plain ints
(a bool, float or str where an int is wanted is a TypeError, never
converted); zone names are the config's (``DMA``, ``DMA32``, ``NORMAL``,
``MOVABLE``), migratetype names the kernel's (``Unmovable``, ...).  Every
allocator call binds the calling thread to a simulated CPU for its duration:
``cpu=n``, else the CPU the thread holds in a ``with m.on_cpu(n):`` block,
else CPU 0.  Out of memory is ``None``; misuse raises ValueError /
CorruptionError and the machine stays usable.  Calls from several threads
may overlap; close() waits for the calls in flight (_lifetime.py), is
idempotent, and a closed machine raises ValueError.
"""
import json

from . import _lowlevel as ll
from ._lifetime import Gate, gated
from ._libmm import ffi, lib
from .gfp import to_gfp
from .vmalloc import VmallocMixin
from .slab import SlabMixin                 # slab/kmalloc
from .process import MovableMixin           # processes, migration, compaction
from .cma import CmaMixin                   # CMA, contiguous ranges

#: zone names in the config's spelling, by zone index (mm_zone_name)
ZONE_NAMES = tuple(ffi.string(lib.mm_zone_name(i)).decode() for i in range(lib.MM_MAX_NR_ZONES))
#: migratetype names as the kernel's reports print them, by migratetype number
MIGRATETYPES = ("Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate")
#: bytes in a page frame (4096)
PAGE_SIZE = int(lib.MM_PAGE_SIZE)


def config_words(config):
    """The KEY=VALUE words of config text as the library splits them: at
    blanks, and at a comma followed by another KEY=VALUE ("cpus=2,NORMAL=64M"
    is two words, "fail_page_alloc=1,100,0,3" one)."""
    words = []
    for token in (config or "").split():
        pieces = token.split(",")
        word = pieces[0]
        for piece in pieces[1:]:
            if "=" in piece:
                words.append(word)
                word = piece
            else:
                word += "," + piece
        words.append(word)
    return words


def _config_key(word):
    key = word.split("=", 1)[0]
    return "vmalloc_size" if key == "vmalloc" else key     # one key to the library


def build_config(config=None, **keywords):
    """Config text from an optional string plus keywords, in call order.

    A keyword replaces the string's word of the same key (as mmbench's
    ``--set KEY=VALUE`` does), so ``Machine(workload_machine(path), pcp="off")``
    is the workload's machine with one key changed.  Lists become "a:b:c"
    (lowmem_reserve_ratio); None values are skipped; unknown keys are passed
    through for the C parser to reject, and so is a key the string itself
    gives twice."""
    sets = []
    for key, value in keywords.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, (list, tuple)):
            value = ":".join(str(v) for v in value)
        sets.append("%s=%s" % (key, value))
    overridden = {_config_key(w) for w in sets}
    parts = [w for w in config_words(config) if _config_key(w) not in overridden]
    parts += sets
    return " ".join(parts) if parts else None


#: where page(pfn) can find a frame's block: the buddy lists, a per-CPU list, allocated
PAGE_STATES = ("buddy", "pcp", "allocated")

#: fault injection knobs (the debugfs files, "_" for "-") per facility
FAULT_KNOBS = {
    "fail_page_alloc": ("probability", "interval", "times", "space", "verbose",
                        "ignore_gfp_wait", "ignore_gfp_highmem", "min_order"),
    "failslab": ("probability", "interval", "times", "space", "verbose",
                 "ignore_gfp_wait", "cache_filter"),
}
_BOOL_KNOBS = ("ignore_gfp_wait", "ignore_gfp_highmem", "cache_filter")


def _migratetype_arg(name):
    """-1 (the pageblocks' own type) for None, else the migratetype's index."""
    if name is None:
        return -1
    try:
        return MIGRATETYPES.index(name)
    except ValueError:
        raise ValueError("unknown migratetype %r (one of %s)"
                         % (name, ", ".join(MIGRATETYPES[:3]))) from None


def zone_index(zone):
    """MM_ZONE_* index of a zone given by config name, kernel name or int."""
    if isinstance(zone, bool):
        raise TypeError("zone must be a name or an index, not bool")
    if isinstance(zone, int):
        if not 0 <= zone < len(ZONE_NAMES):
            raise ValueError("no zone index %d" % zone)
        return zone
    try:
        return ZONE_NAMES.index(str(zone).upper())
    except ValueError:
        raise ValueError("unknown zone %r (one of %s)"
                         % (zone, ", ".join(ZONE_NAMES))) from None


class Machine(VmallocMixin, SlabMixin, MovableMixin, CmaMixin):
    """One simulated machine: Machine(config=None, **keywords)."""

    def __init__(self, config=None, **keywords):
        self._h = None
        self._gate = Gate("machine")
        self._caches = {}               # slab.py: handle -> its KmemCache objects
        self._movable_init()
        self._config_text = build_config(config, **keywords)
        self._h = ll.create(self._config_text)
        self._max_order = ll.scalar(self._h, "mm_max_order")
        self._sites = ll.Sites(self._h)
        self._has_cma = lib.mm_cma_area_count(self._h) > 0

    # ---- lifetime ---------------------------------------------------

    @property
    def handle(self):
        """The struct mm * (cffi cdata); ValueError once closed."""
        if self._h is None:
            raise ValueError("machine is closed")
        return self._h

    def close(self):
        """Destroy the machine once the calls other threads have in flight
        return; RuntimeError from inside one of its own calls."""
        def destroy():
            h, self._h = self._h, None
            self._gate.closed = True
            for caches in self._caches.values():
                for c in list(caches.values()):
                    c._h = None
            self._caches.clear()
            for p in list(self._processes):      # freed with the machine
                p._p = None
            self._owners.clear()
            if h is not None:
                ll.destroy(h)
        if self._h is not None:
            self._gate.exclusive(destroy)

    @property
    def closed(self):
        """True once close() destroyed the machine."""
        return self._h is None

    def on_cpu(self, cpu):
        """``with m.on_cpu(n):`` - the calls in the block run on CPU n (their
        ``cpu=`` left out); the thread's previous binding comes back after.
        The machine cannot be closed meanwhile."""
        return _OnCpu(self, cpu)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        if self._h is None:
            return "<libmm.Machine closed>"
        return "<libmm.Machine %s>" % self.config

    # ---- shape ------------------------------------------------------------

    @property
    def config(self):
        """The canonical config text of this machine."""
        return ll.config_string(self.handle)

    nr_pages = property(lambda self: ll.scalar(self.handle, "mm_nr_pages"),
                        doc="Page frames of the machine, all nodes (mm_nr_pages).")
    nr_cpus = property(lambda self: ll.scalar(self.handle, "mm_nr_cpus"),
                       doc="Simulated CPUs (the config's cpus=).")
    nr_nodes = property(lambda self: ll.scalar(self.handle, "mm_nr_nodes"),
                        doc="NUMA nodes (the config's nodes=).")
    max_order = property(lambda self: ll.scalar(self.handle, "mm_max_order"),
                         doc="The highest buddy order (max_page_order=, 10 by default).")
    pageblock_order = property(
        lambda self: ll.scalar(self.handle, "mm_pageblock_order"),
        doc="pageblock_order: min(9, max_order).")

    def cpu_to_node(self, cpu):
        """The node of a CPU; ValueError for a CPU the machine lacks."""
        h = self.handle
        node = lib.mm_cpu_to_node(h, ll.integer(cpu, "cpu"))
        if node < 0:
            raise ValueError(ll.last_error(h)[1])
        return int(node)

    def gfp(self, text):
        """int value of GFP text such as "GFP_KERNEL|__GFP_ZERO"."""
        return to_gfp(text)

    # ---- page allocator -----------------------------------------------

    @property
    def page_owner(self):
        """page_owner=1: allocations are attributed to call sites."""
        return self._sites.on

    def alloc_pages(self, order=0, gfp="GFP_KERNEL", cpu=None, node=None, site=None):
        """PFN of a 2^order block, or None when it cannot be satisfied.
        site (page_owner=1): the call site it is attributed to, default the
        Python caller ("file.py:LINE func:NAME")."""
        h, g = self.handle, to_gfp(gfp)
        s = self._sites.get(site, 1)
        with ll.on_cpu(h, cpu):
            page = ll.alloc_pages(h, g, order, node, s)
        return None if page is None else ll.page_to_pfn(h, page)

    def alloc_pages_bulk(self, nr, gfp="GFP_KERNEL", cpu=None, node=None):
        """alloc_pages_bulk_node(): up to nr order-0 pages, from the CPU's
        per-CPU list; a list of PFNs (shorter when memory runs short)."""
        h, g = self.handle, to_gfp(gfp)
        with ll.on_cpu(h, cpu):
            pages = ll.alloc_pages_bulk(h, g, nr, node)
        return [ll.page_to_pfn(h, p) for p in pages]

    def free_pages(self, pfn, order=0, cpu=None):
        """__free_pages() of the 2^order block at pfn.  A refused free
        (double free, wrong order, a tail page, a slab or vmalloc page)
        raises CorruptionError and changes nothing."""
        h = self.handle
        page = ll.pfn_to_page(h, pfn)
        with ll.on_cpu(h, cpu):
            ll.free_pages(h, page, order)

    def drain_pages(self):
        """Return every CPU's per-CPU pages to the buddy lists."""
        ll.drain_all_pages(self.handle)

    def start_isolate_page_range(self, start_pfn, end_pfn, migratetype=None):
        """Isolate the pageblocks covering [start_pfn, end_pfn): their free
        pages leave the free count and are never allocated.  ValueError
        (errno EBUSY) when a pageblock holds an unmovable page; the blocks
        isolated by then get their type back (or migratetype)."""
        ll.start_isolate_page_range(self.handle, start_pfn, end_pfn,
                                    _migratetype_arg(migratetype))

    def undo_isolate_page_range(self, start_pfn, end_pfn, migratetype=None):
        """Undo the isolation: each pageblock has its own type back (it is
        kept while isolated), or migratetype when given."""
        ll.undo_isolate_page_range(self.handle, start_pfn, end_pfn,
                                   _migratetype_arg(migratetype))

    def test_pages_isolated(self, start_pfn, end_pfn):
        """True when every page of the range is free and isolated."""
        return ll.test_pages_isolated(self.handle, start_pfn, end_pfn)

    def page_address(self, pfn):
        """The direct-map address of page frame pfn (page_address());
        ValueError on a backing=none machine."""
        h = self.handle
        addr = ll.page_address(h, ll.pfn_to_page(h, pfn))
        if addr is None:
            raise ValueError("machine has no memory contents (backing=none): "
                             "page addresses are not available")
        return addr

    def pfn_of(self, addr):
        """PFN of the page holding direct-map address addr."""
        h, addr = self.handle, int(addr)
        base = self._need_backing("pfn_of")
        if not base <= addr < base + self.nr_pages * PAGE_SIZE:
            raise ValueError("%#x is not a direct-map address of this machine" % addr)
        return ll.page_to_pfn(h, ll.virt_to_page(h, addr))

    def page_zone(self, pfn):
        """The name of the zone holding pfn ("DMA", "DMA32", "NORMAL", "MOVABLE")."""
        return ZONE_NAMES[ll.pfn_zone(self.handle, pfn)[1]]

    def page_node(self, pfn):
        """The node holding pfn."""
        return ll.pfn_zone(self.handle, pfn)[0]

    # ---- memory contents ----------------------------------------------

    def read(self, addr, n):
        """n bytes at addr: a direct-map address, a vmalloc address or a
        process's host address; ValueError outside the machine's memory."""
        self._check_span(addr, n)
        return bytes(ffi.buffer(ffi.cast("char *", addr), n)) if n else b""

    def write(self, addr, data):
        """Write bytes at addr (the addresses read() takes)."""
        data = bytes(data)
        self._check_span(addr, len(data))
        if data:
            ffi.memmove(ffi.cast("char *", addr), data, len(data))

    def _need_backing(self, what):
        base = ll.direct_map_base(self.handle)
        if base is None:
            raise ValueError("%s: machine has no memory contents "
                             "(backing=none)" % what)
        return base

    def _check_span(self, addr, n):
        addr, n = ll.integer(addr, "address"), ll.integer(n, "length")
        if n < 0:
            raise ValueError("negative length %d" % n)
        base = self._need_backing("memory access")
        if base <= addr and addr + n <= base + self.nr_pages * PAGE_SIZE:
            return
        if addr > 0 and self._vmalloc_span_ok(addr, n):    # vmalloc.py
            return
        raise ValueError("address range %#x+%d is outside the machine's memory"
                         % (addr, n))

    # ---- zones and free lists -----------------------------------------

    def _zone_dict(self, info):
        orders = self._max_order + 1
        return {
            "node": info.node, "name": ZONE_NAMES[info.zone_idx],
            "kernel_name": ffi.string(info.name).decode(),
            "zone_idx": info.zone_idx, "start_pfn": info.start_pfn,
            "spanned": info.spanned, "present": info.present,
            "managed": info.managed, "free": info.free,
            "min": info.min, "low": info.low, "high": info.high,
            "boost": info.boost,
            "nr_reserved_highatomic": info.nr_reserved_highatomic,
            "nr_free_highatomic": info.nr_free_highatomic,
            "nr_free_pages_blocks": info.nr_free_pages_blocks,
            "below_high": bool(info.below_high),
            "lowmem_reserve": list(info.lowmem_reserve),
            "nr_free": list(info.nr_free)[:orders],
            "nr_free_mt": {mt: list(info.nr_free_mt[i])[:orders]
                           for i, mt in enumerate(MIGRATETYPES) if self._has_mt(i)},
            "nr_pageblocks": {mt: info.nr_pageblocks[i]
                              for i, mt in enumerate(MIGRATETYPES) if self._has_mt(i)},
            "cma_pages": info.cma_pages, "nr_free_cma": info.nr_free_cma,
        }

    def _has_mt(self, i):
        """The CMA migratetype exists on machines with CMA areas (the
        kernel's CONFIG_CMA): its reports show the column only then."""
        return i != lib.MM_MIGRATE_CMA or self._has_cma

    def zone(self, node, zone):
        """One zone's dict (see zones)."""
        return self._zone_dict(ll.zone_info(self.handle, node, zone_index(zone)))

    @property
    def zones(self):
        """Every zone of every node, empty ones included, in kernel order."""
        return [self.zone(n, z) for n in range(self.nr_nodes)
                for z in range(len(ZONE_NAMES))]

    def buddyinfo(self):
        """{(node, zone): [free blocks per order]} for populated zones."""
        return {(z["node"], z["name"]): z["nr_free"]
                for z in self.zones if z["present"]}

    def pagetypeinfo(self):
        """{(node, zone): {migratetype: [free blocks per order]}}."""
        return {(z["node"], z["name"]): z["nr_free_mt"]
                for z in self.zones if z["present"]}

    def pcp(self, cpu=0, node=0, zone="NORMAL"):
        """{"count", "high", "batch", "high_min", "high_max"} of one CPU's
        lists for one zone (an auto-tuned high is 0 until first used)."""
        p = ll.pcp_info(self.handle, cpu, node, zone_index(zone))
        return {"count": p.count, "high": p.high, "batch": p.batch,
                "high_min": p.high_min, "high_max": p.high_max}

    def tick(self, n=1):
        """Run n vmstat ticks (the kernel's once-a-second vmstat_update) on
        every CPU: per-CPU high marks decay, idle remote lists drain; then
        kcompactd wakes once (kcompactd=tick)."""
        ll.tick(self.handle, n)

    def slabinfo_write(self, line, cpu=0):
        """Write "name limit batchcount shared" to /proc/slabinfo: SLAB's
        tunables (slab=slab machines only), from CPU cpu."""
        with self.on_cpu(cpu):
            ll.slabinfo_write(self.handle, line)

    def prefault_info(self, cpu=None):
        """What populating simulated RAM ahead of use cost (``prefault=``):
        {"mode", "pageblocks", "bytes", "ns", "minflt"}, for the whole machine
        (boot included) or for what one CPU's allocations populated."""
        p = ll.prefault_info(self.handle, -1 if cpu is None else cpu)
        return {"mode": ("none", "pageblock", "boot")[p.mode], "pageblocks": p.pageblocks,
                "bytes": p.bytes, "ns": p.ns, "minflt": p.minflt}

    # ---- reports and checks -------------------------------------------

    def vmstat(self):
        """/proc/vmstat-style counters as {name: int}."""
        out = {}
        for line in self.text("vmstat").splitlines():
            parts = line.split()
            if len(parts) == 2:
                out[parts[0]] = int(parts[1])
        return out

    def vmstat_read(self, name):
        """One /proc/vmstat counter by name (ValueError for an unknown one)."""
        return ll.vmstat_read(self.handle, name)

    def validate(self):
        """Run every invariant check; CorruptionError names the broken one."""
        ll.validate(self.handle)

    def report(self):
        """The library's JSON report (schema "libmm-report/1") as a dict."""
        return json.loads(ll.report_json(self.handle))

    def text(self, name):
        """A report in the kernel's format: "buddyinfo", "pagetypeinfo",
        "zoneinfo", "vmstat", "slabinfo", "vmallocinfo", "unusable_index",
        "extfrag_index", "dmesg", "tainted", "allocinfo", and with
        page_owner=1 "page_owner"."""
        return ll.report_text(self.handle, name)

    def dmesg(self):
        """The machine's kernel log: text("dmesg")."""
        return self.text("dmesg")

    # ---- taint, fault injection ---------------------------------------

    @property
    def tainted(self):
        """/proc/sys/kernel/tainted: bit 5 ('B') after any corruption report
        or invalid free, bit 9 ('W') after a WARNING."""
        return ll.tainted(self.handle)

    def fault_inject(self, name, **knobs):
        """Set fault injection knobs of "fail_page_alloc" or "failslab"
        (probability, interval, times, space, verbose, ignore_gfp_wait, and
        ignore_gfp_highmem, min_order / cache_filter); returns every knob's
        value and "injected", the failures forced so far."""
        h = self.handle
        if name not in FAULT_KNOBS:
            raise ValueError("no fault injection facility %r (one of %s)"
                             % (name, ", ".join(FAULT_KNOBS)))
        for knob, value in knobs.items():
            if knob not in FAULT_KNOBS[name]:
                raise ValueError("%s has no knob %r (one of %s)"
                                 % (name, knob, ", ".join(FAULT_KNOBS[name])))
            if knob in _BOOL_KNOBS and isinstance(value, bool):
                value = int(value)
            value = ll.integer(value, knob)
            if not -2**63 <= value < 2**63:
                raise ValueError("%s: %d out of range" % (knob, value))
            ll.fault_inject(h, name, knob, value)
        state = {k: ll.fault_inject_read(h, name, k) for k in FAULT_KNOBS[name]}
        state["injected"] = ll.fault_inject_read(h, name, "injected")
        return state

    # ---- page state, quiescing ------------------------------------------

    def page(self, pfn):
        """A page frame's state, as dump_page() shows it: a dict with the
        block it is part of (head_pfn, order, and state: "buddy", "pcp" or
        "allocated"; head: is it the block's first frame), refcount,
        migratetype (of its pageblock), node, zone, flags (kernel names),
        cache (owning kmem_cache or None), pcp (on a per-CPU list), slab,
        vmalloc, compound, and "dump", the kernel-format text."""
        h = self.handle
        info = ll.page_info(h, pfn)
        flags = []
        if info.compound and info.pfn == info.head_pfn:
            flags.append("head")
        if info.lru:
            flags.append("lru")
        if info.reserved:
            flags.append("reserved")
        if info.slab:                       # the slab folio's page_type
            flags.append("slab")
        elif info.pfn == info.head_pfn and info.state == 0:
            flags.append("buddy")
        return {
            "pfn": int(info.pfn), "head_pfn": int(info.head_pfn),
            "state": PAGE_STATES[info.state], "order": info.order,
            "refcount": info.refcount, "migratetype": MIGRATETYPES[info.migratetype],
            "node": info.node, "zone": ZONE_NAMES[info.zone_idx],
            "compound": bool(info.compound), "slab": bool(info.slab),
            "vmalloc": bool(info.vmalloc), "flags": flags,
            "cache": ffi.string(info.cache).decode() or None,
            "head": info.pfn == info.head_pfn, "pcp": info.state == 1,
            "dump": ll.dump_page(h, pfn),
        }

    def quiesce(self, cpu=None):
        """Shrink every cache (cpu slabs, sheaves, barns, empty slabs),
        purge lazily freed vmalloc areas and drain every CPU's page lists:
        free memory is then comparable with a fresh machine's.  Every other
        CPU must be unbound (CPUBusyError)."""
        h = self.handle
        with ll.on_cpu(h, cpu):
            ll.quiesce(h)


class _OnCpu:
    """Machine.on_cpu(): the gate is held for the block."""

    def __init__(self, machine, cpu):
        self._m = machine
        self._inner = ll.on_cpu(machine.handle, ll.integer(cpu, "cpu"))

    def __enter__(self):
        self._m._gate.hold()
        try:
            return self._inner.__enter__()
        except BaseException:
            self._m._gate.release()
            raise

    def __exit__(self, *exc):
        try:
            self._inner.__exit__(*exc)
        finally:
            self._m._gate.release()


gated(Machine, skip=("close", "closed", "handle", "on_cpu"))
