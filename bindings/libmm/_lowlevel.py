# SPDX-License-Identifier: GPL-2.0-only
"""Thin 1:1 layer over the cffi module: one function per C entry point.

Each function converts Python arguments to C, calls ``_libmm.lib`` and turns
the C error model into Python's: pointer functions return NULL and set
mm_last_errno(m); int functions return 0 or -errno.  ENOMEM becomes ``None``,
every other errno an exception (see _errors.error_for).  Strings the library
allocates are copied and released with mm_free_string.  Nothing here keeps
state; the Pythonic classes live in machine.py.
"""
import contextlib
import errno as _errno
import operator
import os
import sys

from ._errors import CorruptionError, error_for
from ._libmm import ffi, lib

ERRLEN = 1024
ULONG_MAX = (1 << (8 * ffi.sizeof("unsigned long"))) - 1


# ---- errors ---------------------------------------------------------------

def last_error(m):
    """(errno, text) of the machine's last failure."""
    err = lib.mm_last_errno(m)
    p = lib.mm_last_error(m)
    text = ffi.string(p).decode(errors="replace") if p != ffi.NULL else ""
    return err, text or (os.strerror(err) if err else "unknown libmm error")


def _raise_last(m, what):
    err, text = last_error(m)
    if err == 0:
        raise RuntimeError("%s failed but libmm set no errno: %s" % (what, text))
    raise error_for(err, text)


def _check_rc(m, rc):
    """Raise for a negative errno return code; return rc otherwise."""
    if rc < 0:
        err, text = last_error(m)
        raise error_for(-rc, text if err == -rc else os.strerror(-rc))
    return rc


def integer(value, what):
    """value as an int: an int or anything with __index__ (numpy integers),
    never a bool, float or str (TypeError: no silent conversion)."""
    if isinstance(value, bool):
        raise TypeError("%s must be an integer, not bool" % what)
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError("%s must be an integer, not %s"
                        % (what, type(value).__name__)) from None


def _uint(value, what, limit=0xFFFFFFFF):
    value = integer(value, what)
    if value < 0 or value > limit:
        raise ValueError("%s out of range: %d" % (what, value))
    return value


def take_string(p):
    """Copy a library-allocated char * into str and free it (NULL -> None)."""
    if p == ffi.NULL:
        return None
    try:
        return ffi.string(p).decode(errors="replace")
    finally:
        lib.mm_free_string(p)


# ---- machine ----------------------------------------------------------------

def create(config):
    err = ffi.new("char[]", ERRLEN)
    cfg = ffi.NULL if config is None else config.encode()
    m = lib.mm_create(cfg, err, ERRLEN)
    if m == ffi.NULL:
        raise ValueError(ffi.string(err).decode(errors="replace")
                         or "mm_create failed")
    return m


def destroy(m):
    lib.mm_destroy(m)


def cpu_bind(m, cpu):
    _check_rc(m, lib.mm_cpu_bind(m, integer(cpu, "cpu")))


def cpu_unbind(m):
    lib.mm_cpu_unbind(m)


class on_cpu:
    """Run the body with the calling thread bound to simulated CPU cpu (None:
    the CPU it holds already, else 0), then restore the thread's previous
    binding (none, or another CPU).  A class, not a generator: it wraps
    every allocator call."""

    __slots__ = ("_m", "_cpu", "_prev")

    def __init__(self, m, cpu=None):
        self._m, self._cpu = m, cpu

    def __enter__(self):
        m = self._m
        prev = self._prev = lib.mm_cpu_current(m)
        cpu = self._cpu
        if cpu is None:
            cpu = prev if prev >= 0 else 0
        if cpu != prev:
            cpu_bind(m, cpu)
        else:
            self._prev = None           # nothing to restore
        return cpu

    def __exit__(self, *exc):
        prev = self._prev
        if prev is None:
            return
        if prev < 0 or lib.mm_cpu_bind(self._m, prev) < 0:
            cpu_unbind(self._m)


def config_string(m):
    return take_string(lib.mm_config_string(m))


# ---- page allocator ------------------------------------------------------

def alloc_pages(m, gfp, order, node=None, site=None):
    """struct page * or None when out of memory (site: page_owner=1's)."""
    order = _uint(order, "order")
    gfp = _uint(gfp, "gfp")
    if site is not None and node is None:
        page = lib.mm_alloc_pages_site(m, gfp, order, site)
    elif node is None:
        page = lib.mm_alloc_pages(m, gfp, order)
    else:
        page = lib.mm_alloc_pages_node(m, integer(node, "node"), gfp, order)
    if page == ffi.NULL:
        if lib.mm_last_errno(m) == _errno.ENOMEM:
            return None
        _raise_last(m, "alloc_pages")
    return page


def alloc_pages_bulk(m, gfp, nr, node=None):
    """alloc_pages_bulk_node(): the pages obtained (maybe fewer than nr)."""
    nr = _uint(nr, "nr_pages", 1 << 32)
    array = ffi.new("struct page *[]", max(nr, 1))
    gfp = _uint(gfp, "gfp")
    got = lib.mm_alloc_pages_bulk(m, -1 if node is None else int(node), gfp, nr, array)
    if got == 0 and nr and lib.mm_last_errno(m) != _errno.ENOMEM:
        _raise_last(m, "alloc_pages_bulk")      # refused: bad flags or node
    return [array[i] for i in range(got)]


def free_pages(m, page, order):
    _check_rc(m, lib.mm_free_pages(m, page, _uint(order, "order")))


def pfn_to_page(m, pfn):
    page = lib.mm_pfn_to_page(m, _uint(pfn, "pfn", ULONG_MAX))
    if page == ffi.NULL:
        err, text = last_error(m)
        raise error_for(err or _errno.EINVAL,
                        text if err else "pfn %#x is not in the machine" % pfn)
    return page


def page_to_pfn(m, page):
    return int(lib.mm_page_to_pfn(m, page))


def page_address(m, page):
    """Direct-map address as int, or None (backing=none)."""
    p = lib.mm_page_address(m, page)
    return None if p == ffi.NULL else int(ffi.cast("uintptr_t", p))


def virt_to_page(m, addr):
    page = lib.mm_virt_to_page(m, ffi.cast("void *", _uint(addr, "address", ULONG_MAX)))
    if page == ffi.NULL:
        err, text = last_error(m)
        raise error_for(err or _errno.EINVAL,
                        text if err else "%#x is not a direct-map address" % addr)
    return page


def direct_map_base(m):
    p = lib.mm_direct_map_base(m)
    return None if p == ffi.NULL else int(ffi.cast("uintptr_t", p))


def drain_all_pages(m):
    lib.mm_drain_all_pages(m)


def drain_local_pages(m):
    lib.mm_drain_local_pages(m)


def tick(m, n):
    _check_rc(m, lib.mm_tick(m, _uint(n, "tick count", 1 << 40)))


def slabinfo_write(m, line):
    if not isinstance(line, str):
        raise TypeError("slabinfo_write takes a str, not %s" % type(line).__name__)
    _check_rc(m, lib.mm_slabinfo_write(m, line.encode()))


def pfn_zone(m, pfn):
    node, zone = ffi.new("int *"), ffi.new("int *")
    _check_rc(m, lib.mm_pfn_zone(m, _uint(pfn, "pfn", ULONG_MAX), node, zone))
    return node[0], zone[0]


# ---- zones, pcp ----------------------------------------------------------

def zone_info(m, node, zone_idx):
    out = ffi.new("struct mm_zone_info *")
    _check_rc(m, lib.mm_zone_info(m, integer(node, "node"), zone_idx, out))
    return out


def pcp_info(m, cpu, node, zone_idx):
    out = ffi.new("struct mm_pcp_info *")
    _check_rc(m, lib.mm_pcp_info(m, integer(cpu, "cpu"), integer(node, "node"),
                                zone_idx, out))
    return out


def prefault_info(m, cpu):
    out = ffi.new("struct mm_prefault_info *")
    _check_rc(m, lib.mm_prefault_info(m, int(cpu), out))
    return out


# ---- gfp text ---------------------------------------------------------------

def gfp_parse(text):
    out = ffi.new("gfp_t *")
    err = ffi.new("char[]", ERRLEN)
    rc = lib.mm_gfp_parse(text.encode(), out, err, ERRLEN)
    if rc < 0:
        raise error_for(-rc, ffi.string(err).decode(errors="replace")
                        or "bad GFP text %r" % text)
    return int(out[0])


def gfp_format(gfp):
    buf = ffi.new("char[]", 512)
    lib.mm_gfp_format(_uint(gfp, "gfp"), buf, 512)
    return ffi.string(buf).decode()


# ---- state, reports, checks ----------------------------------------------

def validate(m):
    err = ffi.new("char[]", 8192)
    if lib.mm_validate(m, err, 8192) != 0:
        raise CorruptionError(ffi.string(err).decode(errors="replace")
                              or "mm_validate failed")


def report_json(m):
    return take_string(lib.mm_report_json(m))


def report_text(m, name):
    text = take_string(lib.mm_report_text(m, name.encode()))
    if text is None:
        raise ValueError("unknown report %r" % name)
    return text


def vmstat_read(m, name):
    v = lib.mm_vmstat_read(m, name.encode())
    if v < 0:
        raise ValueError("unknown vmstat counter %r" % name)
    return int(v)


def scalar(m, fname):
    """Value of a no-argument query such as mm_nr_pages(m)."""
    return int(getattr(lib, fname)(m))


# ---- page isolation -------------------------------------------------------

def start_isolate_page_range(m, start, end, mt):
    return _check_rc(m, lib.mm_start_isolate_page_range(
        m, _uint(start, "start_pfn", 2**64 - 1), _uint(end, "end_pfn", 2**64 - 1), mt))


def undo_isolate_page_range(m, start, end, mt):
    return _check_rc(m, lib.mm_undo_isolate_page_range(
        m, _uint(start, "start_pfn", 2**64 - 1), _uint(end, "end_pfn", 2**64 - 1), mt))


def test_pages_isolated(m, start, end):
    rc = lib.mm_test_pages_isolated(
        m, _uint(start, "start_pfn", 2**64 - 1), _uint(end, "end_pfn", 2**64 - 1))
    if rc == -_errno.EBUSY:
        return False
    _check_rc(m, rc)
    return True


# ---- pointers and sizes shared by the slab and vmalloc layers -------------

def addr_of(p):
    """int address of a cdata pointer."""
    return int(ffi.cast("uintptr_t", p))


def ptr_of(addr):
    """void * for an int address (None -> NULL)."""
    if addr is None:
        return ffi.NULL
    return ffi.cast("void *", _uint(addr, "address", ULONG_MAX))


def size_arg(size, what="size"):
    """A non-negative size that fits an unsigned long, or ValueError."""
    size = integer(size, what)
    if size < 0:
        raise ValueError("negative %s %d" % (what, size))
    if size > ULONG_MAX:
        raise ValueError("%s %d does not fit an unsigned long" % (what, size))
    return size


def address_result(m, p, what):
    """int address, None for ENOMEM, an exception for anything else."""
    if p != ffi.NULL:
        return addr_of(p)
    err, text = last_error(m)
    if err == _errno.ENOMEM:
        return None
    raise error_for(err or _errno.EINVAL, text or what + " failed")


# ---- taint, fault injection, page state, quiesce ----------------------------

def tainted(m):
    return int(lib.mm_tainted(m))


def fault_inject(m, name, knob, value):
    _check_rc(m, lib.mm_fault_inject(m, name.encode(), knob.encode(), value))


def fault_inject_read(m, name, knob):
    out = ffi.new("long *")
    _check_rc(m, lib.mm_fault_inject_read(m, name.encode(), knob.encode(), out))
    return int(out[0])


def page_info(m, pfn):
    out = ffi.new("struct mm_page_info *")
    _check_rc(m, lib.mm_page_info(m, _uint(pfn, "pfn", ULONG_MAX), out))
    return out


def dump_page(m, pfn):
    return take_string(lib.mm_dump_page(m, _uint(pfn, "pfn", ULONG_MAX)))


def quiesce(m):
    _check_rc(m, lib.mm_quiesce(m))


# ---- attribution (page_owner=1) -------------------------------------------

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


def caller_site():
    """The first Python code location outside this package up the stack, as
    allocinfo names a tag: "file.py:LINE func:NAME"."""
    f = sys._getframe(1)
    while f.f_back is not None and os.path.dirname(os.path.abspath(f.f_code.co_filename)) == \
            _PKG_DIR:
        f = f.f_back
    return "%s:%d func:%s" % (os.path.basename(f.f_code.co_filename), f.f_lineno,
                              f.f_code.co_name)


class Sites:
    """A machine's registered call sites (name -> the library's value);
    None for every site while page_owner is off."""

    def __init__(self, m):
        self.on = bool(lib.mm_page_owner_enabled(m))
        self.m = m
        self.ids = {}

    def get(self, site, depth=None):
        """The library's value for site (a name; None: the first caller
        outside the package), or None when off."""
        if not self.on:
            return None
        if site is None:
            site = caller_site()
        elif not isinstance(site, str) or not site:
            raise ValueError("site: expected a non-empty string, not %r" % (site,))
        v = self.ids.get(site)
        if v is None:
            v = lib.mm_site_register(self.m, site.encode())
            if not v:
                _raise_last(self.m, "site_register")
            self.ids[site] = v
        return v
