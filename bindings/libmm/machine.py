"""The Pythonic ``Machine`` of SPEC §4: the page-allocator part.

A Machine owns one ``struct mm``.  PFNs, addresses and sizes are plain ints;
zone names are the config's (``DMA``, ``DMA32``, ``NORMAL``, ``MOVABLE``),
migratetype names the kernel's (``Unmovable``, ...).  Every allocator call
binds the calling thread to the requested simulated CPU, runs, and unbinds.
Out of memory is ``None``; misuse raises ValueError / CorruptionError and the
machine stays usable.  close() is idempotent; a closed machine raises
ValueError.
"""
import json

from . import _lowlevel as ll
from ._libmm import ffi, lib
from .gfp import to_gfp
from .vmalloc import VmallocMixin
from .slab import SlabMixin                 # slab/kmalloc (issue 4)

ZONE_NAMES = ("DMA", "DMA32", "NORMAL", "MOVABLE")
MIGRATETYPES = ("Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate")
PAGE_SIZE = int(lib.MM_PAGE_SIZE)


def build_config(config=None, **keywords):
    """Config text from an optional string plus keywords, in call order.

    A keyword replaces the string's word of the same key (as mmbench's
    ``--set KEY=VALUE`` does), so ``Machine(workload_machine(path), pcp="off")``
    is the workload's machine with one key changed.  Lists become "a:b:c"
    (lowmem_reserve_ratio); None values are skipped; unknown keys are passed
    through for the C parser to reject."""
    sets = []
    for key, value in keywords.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, (list, tuple)):
            value = ":".join(str(v) for v in value)
        sets.append("%s=%s" % (key, value))
    overridden = {w.split("=", 1)[0] for w in sets}
    parts = [w for w in (config or "").split() if w.split("=", 1)[0] not in overridden]
    parts += sets
    return " ".join(parts) if parts else None


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
    if isinstance(zone, int):
        if not 0 <= zone < len(ZONE_NAMES):
            raise ValueError("no zone index %d" % zone)
        return zone
    try:
        return ZONE_NAMES.index(str(zone).upper())
    except ValueError:
        raise ValueError("unknown zone %r (one of %s)"
                         % (zone, ", ".join(ZONE_NAMES))) from None


class Machine(VmallocMixin, SlabMixin):
    """One simulated machine: Machine(config=None, **keywords)."""

    def __init__(self, config=None, **keywords):
        self._h = None
        self._config_text = build_config(config, **keywords)
        self._h = ll.create(self._config_text)
        self._max_order = ll.scalar(self._h, "mm_max_order")

    # ---- lifetime ---------------------------------------------------

    @property
    def handle(self):
        """The struct mm * (cffi cdata); ValueError once closed."""
        if self._h is None:
            raise ValueError("machine is closed")
        return self._h

    def close(self):
        h, self._h = self._h, None
        if h is not None:
            ll.destroy(h)

    @property
    def closed(self):
        return self._h is None

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

    nr_pages = property(lambda self: ll.scalar(self.handle, "mm_nr_pages"))
    nr_cpus = property(lambda self: ll.scalar(self.handle, "mm_nr_cpus"))
    nr_nodes = property(lambda self: ll.scalar(self.handle, "mm_nr_nodes"))
    max_order = property(lambda self: ll.scalar(self.handle, "mm_max_order"))
    pageblock_order = property(
        lambda self: ll.scalar(self.handle, "mm_pageblock_order"))

    def cpu_to_node(self, cpu):
        return int(lib.mm_cpu_to_node(self.handle, int(cpu)))

    def gfp(self, text):
        """int value of GFP text such as "GFP_KERNEL|__GFP_ZERO"."""
        return to_gfp(text)

    # ---- page allocator -----------------------------------------------

    def alloc_pages(self, order=0, gfp="GFP_KERNEL", cpu=0, node=None):
        """PFN of a 2^order block, or None when it cannot be satisfied."""
        h, g = self.handle, to_gfp(gfp)
        with ll.on_cpu(h, cpu):
            page = ll.alloc_pages(h, g, order, node)
        return None if page is None else ll.page_to_pfn(h, page)

    def alloc_pages_bulk(self, nr, gfp="GFP_KERNEL", cpu=0, node=None):
        """alloc_pages_bulk_node(): up to nr order-0 pages, from the CPU's
        per-CPU list; a list of PFNs (shorter when memory runs short)."""
        h, g = self.handle, to_gfp(gfp)
        with ll.on_cpu(h, cpu):
            pages = ll.alloc_pages_bulk(h, g, nr, node)
        return [ll.page_to_pfn(h, p) for p in pages]

    def free_pages(self, pfn, order=0, cpu=0):
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
        return ZONE_NAMES[ll.pfn_zone(self.handle, pfn)[1]]

    def page_node(self, pfn):
        return ll.pfn_zone(self.handle, pfn)[0]

    # ---- memory contents ----------------------------------------------

    def read(self, addr, n):
        self._check_span(addr, n)
        return bytes(ffi.buffer(ffi.cast("char *", addr), n)) if n else b""

    def write(self, addr, data):
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
        addr, n = int(addr), int(n)
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
                           for i, mt in enumerate(MIGRATETYPES)},
            "nr_pageblocks": {mt: info.nr_pageblocks[i]
                              for i, mt in enumerate(MIGRATETYPES)},
        }

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
        every CPU: per-CPU high marks decay, idle remote lists drain."""
        ll.tick(self.handle, n)

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
        return ll.vmstat_read(self.handle, name)

    def validate(self):
        """Run every invariant check; CorruptionError names the broken one."""
        ll.validate(self.handle)

    def report(self):
        return json.loads(ll.report_json(self.handle))

    def text(self, name):
        return ll.report_text(self.handle, name)

    def dmesg(self):
        return self.text("dmesg")
