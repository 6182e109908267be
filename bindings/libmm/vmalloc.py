# SPDX-License-Identifier: GPL-2.0-only
"""The vmalloc part of ``Machine``.

    v = m.vmalloc(64 << 10)            # int address, or None when it fails
    m.write(v, b"hello")               # read/write accept vmalloc addresses
    pfn = m.vmalloc_to_pfn(v)          # the frame behind the first page
    m.vfree(v)                         # vfree(0) / vfree(None) are no-ops

Addresses are ints.  Out of memory (pages, address range, process
mappings) is ``None``; misuse raises ValueError (size 0, size beyond the
range, bad alignment or node) or CorruptionError (a free of an address that
is not the start of a live area, double free).  Every call binds the calling
thread to CPU ``cpu`` for its duration, like the page-allocator calls.

The module-level functions are the thin layer under the methods: they take
the machine's ``struct mm *`` (``Machine.handle``).  ``PAGE_SIZE`` is 4096;
``NUMA_NO_NODE`` (-1) asks for no particular node.
"""
import errno as _errno

from . import _lowlevel as ll
from ._errors import error_for
from ._lifetime import gated
from ._libmm import ffi, lib
from .gfp import to_gfp

_addr, _ptr, _size = ll.addr_of, ll.ptr_of, ll.size_arg
_alloc_result = ll.address_result

PAGE_SIZE = int(lib.MM_PAGE_SIZE)
NUMA_NO_NODE = int(lib.MM_NUMA_NO_NODE)


# ---- thin layer ------------------------------------------------------------





def vmalloc_node(m, size, align=0, gfp=None, node=None):
    """mm___vmalloc_node: the general form."""
    g = lib.GFP_KERNEL if gfp is None else ll._uint(gfp, "gfp")
    nid = NUMA_NO_NODE if node is None else ll.integer(node, "node")
    p = lib.mm___vmalloc_node(m, _size(size), ll._uint(align, "align", ll.ULONG_MAX),
                              g, nid)
    return _alloc_result(m, p, "vmalloc")


def vfree(m, addr):
    """mm_vfree: CorruptionError unless addr starts a live vmalloc area."""
    ll._check_rc(m, lib.mm_vfree(m, _ptr(addr)))


def vmap(m, pfns):
    """mm_vmap of the pages of the given PFNs: the area's address, or None."""
    pages = ffi.new("struct page *[]", [ll.pfn_to_page(m, p) for p in pfns])
    return _alloc_result(m, lib.mm_vmap(m, pages, len(pfns)), "vmap")


def vunmap(m, addr):
    """mm_vunmap: CorruptionError unless addr starts a live vmap area."""
    ll._check_rc(m, lib.mm_vunmap(m, _ptr(addr)))


def vmalloc_to_pfn(m, addr):
    """mm_vmalloc_to_pfn: the frame behind a vmalloc address (ValueError or
    CorruptionError for an address no live area maps)."""
    pfn = lib.mm_vmalloc_to_pfn(m, _ptr(addr))
    if pfn == lib.MM_PFN_INVALID:
        err, text = ll.last_error(m)
        raise error_for(err or _errno.EINVAL, text)
    return int(pfn)


def find_vm_area(m, addr):
    """(start, size, nr_pages, flags) of the live area holding addr, or None."""
    out = ffi.new("struct mm_vm_area *")
    if addr <= 0 or addr > ll.ULONG_MAX or lib.mm_find_vm_area(m, _ptr(addr), out) != 0:
        return None
    return int(out.addr), int(out.size), int(out.nr_pages), int(out.flags)


def parse_vmallocinfo(text, unpurged=False):
    """The lines of /proc/vmallocinfo as dicts."""
    out = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 3:
            continue
        lo, hi = (int(x, 16) for x in words[0].split("-"))
        entry = {"start": lo, "end": hi, "size": int(words[1]), "pages": 0,
                 "caller": None, "kind": None, "nodes": {}}
        if words[2:] == ["unpurged", "vm_area"]:
            if unpurged:
                entry["kind"] = "unpurged"
                out.append(entry)
            continue
        entry["caller"] = words[2]
        for w in words[3:]:
            if w.startswith("pages="):
                entry["pages"] = int(w[6:])
            elif w in ("vmalloc", "vmap", "ioremap", "vm_map_ram", "user", "vpages"):
                entry["kind"] = entry["kind"] or w
            elif w[:1] == "N" and "=" in w:
                node, count = w[1:].split("=")
                entry["nodes"][int(node)] = int(count)
        out.append(entry)
    return out


# ---- the Machine methods -----------------------------------------------

class VmallocMixin:
    """vmalloc methods of Machine (needs self.handle and ll.on_cpu)."""

    def vmalloc(self, size, gfp="GFP_KERNEL", cpu=None, node=None, align=0, site=None):
        """Address of a virtually contiguous area of size bytes, or None."""
        h, g = self.handle, to_gfp(gfp)
        nid = NUMA_NO_NODE if node is None else ll.integer(node, "node")
        s = self._sites.get(site, 1)
        with ll.on_cpu(h, cpu):
            if s is not None and node is None and g == int(lib.GFP_KERNEL) and not align:
                return _alloc_result(h, lib.mm_vmalloc_site(h, _size(size), s), "vmalloc")
            if g == int(lib.GFP_KERNEL) and not align:
                return _alloc_result(h, lib.mm_vmalloc_node(h, _size(size), nid), "vmalloc")
            return vmalloc_node(h, size, align, g, node)

    def vzalloc(self, size, cpu=None, node=None):
        """vmalloc() of zeroed memory: the address, or None."""
        h = self.handle
        nid = NUMA_NO_NODE if node is None else ll.integer(node, "node")
        with ll.on_cpu(h, cpu):
            return _alloc_result(h, lib.mm_vzalloc_node(h, _size(size), nid), "vzalloc")

    def vmalloc_32(self, size, cpu=None):
        """Pages from ZONE_DMA32 or below (GFP_KERNEL|GFP_DMA32)."""
        h = self.handle
        with ll.on_cpu(h, cpu):
            return _alloc_result(h, lib.mm_vmalloc_32(h, _size(size)), "vmalloc_32")

    def vfree(self, addr, cpu=None):
        """Free a vmalloc area by its start address (0 or None: nothing);
        CorruptionError for any other address, a double free included."""
        if addr is None or int(addr) == 0:
            return
        h = self.handle
        with ll.on_cpu(h, cpu):
            vfree(h, addr)

    def vmap(self, pfns):
        """Map the pages of the given PFNs (still owned by the caller)."""
        pfns = list(pfns)
        return vmap(self.handle, pfns)

    def vunmap(self, addr):
        """Unmap a vmap() area (its pages stay the caller's); 0 or None:
        nothing."""
        if addr is None or int(addr) == 0:
            return
        vunmap(self.handle, addr)

    def vmalloc_to_pfn(self, addr):
        """The PFN of the frame mapped at a vmalloc address."""
        return vmalloc_to_pfn(self.handle, addr)

    def is_vmalloc_addr(self, addr):
        """True when addr lies in [VMALLOC_START, VMALLOC_END)."""
        return bool(lib.mm_is_vmalloc_addr(self.handle, _ptr(addr)))

    def vm_unmap_aliases(self):
        """Purge the lazily freed areas now."""
        lib.mm_vm_unmap_aliases(self.handle)

    @property
    def vmalloc_range(self):
        """(VMALLOC_START, VMALLOC_END); (0, 0) with backing=none."""
        h = self.handle
        return int(lib.mm_vmalloc_start(h)), int(lib.mm_vmalloc_end(h))

    def vmallocinfo(self, unpurged=False):
        """Busy areas in address order: dicts with start, end, size (guard
        page included, as the kernel prints it), pages, caller, kind
        ("vmalloc" or "vmap") and nodes ({node: pages}); with unpurged=True
        also the lazily freed areas (kind "unpurged")."""
        return parse_vmallocinfo(self.text("vmallocinfo"), unpurged)

    def _vmalloc_span_ok(self, addr, n):
        """Does [addr, addr + n) lie in the mapped part of one live area?"""
        area = find_vm_area(self.handle, addr)
        return area is not None and addr + max(n, 1) <= area[0] + area[1]


gated(VmallocMixin)
