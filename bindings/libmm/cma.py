# SPDX-License-Identifier: GPL-2.0-only
"""The Contiguous Memory Allocator and contiguous ranges, mixed into
``Machine``:

    m = Machine(NORMAL="256M", cma_areas="camera:64M,display:32M")
    pfn = m.cma_alloc("camera", 1024)         # 4 MiB, migrating what lies there
    m.cma_release("camera", pfn, 1024)
    m.cma_areas()                             # [{"name": "camera", "used": ...}, ...]
    m.alloc_contig_range(start, end, migratetype="Movable")
    m.free_contig_range(start, end - start)
    pfn = m.alloc_contig_pages(512, gfp="GFP_KERNEL|__GFP_COMP")   # a gigantic page

A contiguous allocation that cannot empty its range returns None (False for
alloc_contig_range); ``m.contig_info()`` and the area's ``last_failure``
say why (pinned, unmovable, busy ...) and where.  Misuse raises ValueError.
"""
import errno as _errno

from . import _lowlevel as ll
from ._errors import error_for
from ._libmm import ffi, lib
from .gfp import to_gfp

_CONTIG_MT = {"CMA": lib.MM_MIGRATE_CMA, "Movable": lib.MM_MIGRATE_MOVABLE}


def _reason(code):
    if code < 0:
        return None
    name = lib.mm_migrate_fail_name(code)
    return ffi.string(name).decode() if name != ffi.NULL else "busy"


def _name_arg(name):
    if name is None:
        return ffi.NULL
    if not isinstance(name, str):
        raise ValueError("CMA area name must be a str, not %r" % (name,))
    return name.encode()


class CmaMixin:
    """CMA areas (cma=, cma_areas=), cma_alloc/cma_release, and
    alloc_contig_range/free_contig_range/alloc_contig_pages."""

    def _contig_fail(self, rc, what):
        """None for -EBUSY/-ENOMEM (the range could not be taken), raise
        for misuse."""
        h = self.handle
        err, text = ll.last_error(h)
        if rc in (-_errno.EBUSY, -_errno.ENOMEM) or (rc is None and err in
                                                     (_errno.EBUSY, _errno.ENOMEM)):
            return None
        raise error_for(err or _errno.EINVAL, text or what + " failed")

    def cma_areas(self):
        """The CMA areas as dicts: name, node, zone, base_pfn, count,
        order_per_bit, used, maxchunk, available, nr_allocations, the sysfs
        page counts (alloc_pages_success, alloc_pages_fail,
        release_pages_success), the tracepoint counts (alloc_start,
        alloc_finish, alloc_busy_retry, release) and last_failure (None or
        {"ret", "reason", "pfn"})."""
        h = self.handle
        out = []
        for i in range(lib.mm_cma_area_count(h)):
            info = ffi.new("struct mm_cma_info *")
            ll._check_rc(h, lib.mm_cma_area_info(h, i, info))
            last = None
            if info.last_ret:
                last = {"ret": info.last_ret, "reason": _reason(info.last_reason),
                        "pfn": info.last_pfn if info.last_reason >= 0 else None}
            out.append({
                "name": ffi.string(info.name).decode(), "node": info.node,
                "zone": ("DMA", "DMA32", "NORMAL", "MOVABLE")[info.zone_idx],
                "base_pfn": info.base_pfn, "count": info.count,
                "order_per_bit": info.order_per_bit, "used": info.used,
                "maxchunk": info.maxchunk, "available": info.available,
                "nr_allocations": info.nr_allocations,
                "alloc_pages_success": info.alloc_pages_success,
                "alloc_pages_fail": info.alloc_pages_fail,
                "release_pages_success": info.release_pages_success,
                "alloc_start": info.alloc_start, "alloc_finish": info.alloc_finish,
                "alloc_busy_retry": info.alloc_busy_retry, "release": info.release,
                "last_failure": last})
        return out

    def cma_alloc(self, name, count, align=0, no_warn=False, cpu=0):
        """cma_alloc(): the first PFN of count pages aligned to 2^align
        pages from the area (None: the default area "reserved"), or None
        when no range of the area could be emptied."""
        h = self.handle
        count = ll._uint(count, "count", ll.ULONG_MAX)
        align = ll._uint(align, "align")
        with ll.on_cpu(h, cpu):
            page = lib.mm_cma_alloc(h, _name_arg(name), count, align, 1 if no_warn else 0)
        if page == ffi.NULL:
            return self._contig_fail(None, "cma_alloc")
        return ll.page_to_pfn(h, page)

    def cma_release(self, name, pfn, count, cpu=0):
        """cma_release(): give back count pages at pfn (a live allocation
        of the area, or part of one)."""
        h = self.handle
        page = ll.pfn_to_page(h, pfn)
        with ll.on_cpu(h, cpu):
            ll._check_rc(h, lib.mm_cma_release(h, _name_arg(name), page,
                                               ll._uint(count, "count", ll.ULONG_MAX)))

    def alloc_contig_range(self, start_pfn, end_pfn, migratetype="Movable",
                           gfp="GFP_KERNEL", cpu=0):
        """alloc_contig_range(): take [start_pfn, end_pfn) (one zone),
        migrating what lies there.  True, or False when the range could
        not be emptied (contig_info() says why)."""
        h = self.handle
        if migratetype not in _CONTIG_MT:
            raise ValueError("migratetype must be 'CMA' or 'Movable', not %r" % (migratetype,))
        start = ll._uint(start_pfn, "start_pfn", ll.ULONG_MAX)
        end = ll._uint(end_pfn, "end_pfn", ll.ULONG_MAX)
        with ll.on_cpu(h, cpu):
            rc = lib.mm_alloc_contig_range(h, start, end, _CONTIG_MT[migratetype], to_gfp(gfp))
        if rc == 0:
            return True
        self._contig_fail(rc, "alloc_contig_range")
        return False

    def free_contig_range(self, pfn, nr, cpu=0):
        """free_contig_range(): nr pages from pfn, part or all of a live
        contiguous allocation."""
        h = self.handle
        pfn = ll._uint(pfn, "pfn", ll.ULONG_MAX)
        with ll.on_cpu(h, cpu):
            ll._check_rc(h, lib.mm_free_contig_range(h, pfn, ll._uint(nr, "nr", ll.ULONG_MAX)))

    def alloc_contig_pages(self, nr, gfp="GFP_KERNEL", node=None, cpu=0):
        """alloc_contig_pages(): the first PFN of nr contiguous pages of
        any zone gfp allows on node (None: the CPU's), or None."""
        h = self.handle
        nr = ll._uint(nr, "nr", ll.ULONG_MAX)
        with ll.on_cpu(h, cpu):
            page = lib.mm_alloc_contig_pages(h, nr, to_gfp(gfp),
                                             -1 if node is None else ll.integer(node, "node"))
        if page == ffi.NULL:
            return self._contig_fail(None, "alloc_contig_pages")
        return ll.page_to_pfn(h, page)

    def contig_info(self):
        """The live contiguous allocations and the last alloc_contig_range:
        {"nr_ranges", "nr_pages", "last": {"ret", "reason", "pfn",
        "migrated", "tries"}, "attempts", "successes", "pages_migrated"}."""
        h = self.handle
        out = ffi.new("struct mm_contig_info *")
        ll._check_rc(h, lib.mm_contig_info(h, out))
        return {"nr_ranges": out.nr_ranges, "nr_pages": out.nr_pages,
                "last": {"ret": out.last_ret, "reason": _reason(out.last_reason),
                         "pfn": out.last_pfn, "migrated": out.last_migrated,
                         "tries": out.last_tries},
                "attempts": out.attempts, "successes": out.successes,
                "pages_migrated": out.pages_migrated}
