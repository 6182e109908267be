# SPDX-License-Identifier: GPL-2.0-only
"""The slab/kmalloc part of ``Machine``.

    c = m.kmem_cache_create("dentry", 192, align=0, flags="SLAB_HWCACHE_ALIGN")
    a = c.alloc()                      # int address, or None when memory runs out
    c.free(a)
    addrs = c.alloc_bulk(16);  c.free_bulk(addrs)
    c.shrink();  c.destroy()
    c.object_size, c.size, c.align, c.objects_per_slab, c.order, c.name, c.sheaf_capacity
    p = m.kmalloc(100);  m.ksize(p) == 128;  p = m.krealloc(p, 300);  m.kfree(p)
    m.slabinfo()                       # [{"name": "kmalloc-8k", "active_objs": ...}, ...]

Addresses are ints; gfp and slab flags take ints or the kernel's text
("GFP_KERNEL|__GFP_ZERO", "SLAB_HWCACHE_ALIGN|SLAB_POISON").  Out of memory
is ``None``; bad arguments raise ValueError; invalid frees and detected
corruption raise CorruptionError with the kernel-style report; destroying a
cache that still has objects raises CacheBusyError (the cache is kept).
Every call binds the calling thread to a CPU for its duration (machine.py).

Constants: ``ZERO_SIZE_PTR`` (16) is what kmalloc(0) returns;
``SLABINFO_COLUMNS`` the numeric columns of /proc/slabinfo 2.1 (the keys of
slabinfo() rows besides "name"); ``ERRLEN`` the size of the error buffers
handed to the C parsers.

Every KmemCache of a C cache (m.kmem_cache_create(), m.kmem_cache(name),
m.kmalloc_cache(size)) is registered with its Machine; when a destroy frees
the C cache - its last reference, through whichever object - all of them
become destroyed and raise ValueError, never touch freed memory.  A
constructor that raises fails the allocation that ran it, with its error.
"""
import errno as _errno
import weakref

from . import _lowlevel as ll
from ._errors import error_for
from ._lifetime import gated
from ._libmm import ffi, lib
from .gfp import to_gfp

_addr, _ptr, _size = ll.addr_of, ll.ptr_of, ll.size_arg
_result = ll.address_result

ERRLEN = 512
ZERO_SIZE_PTR = 16
SLABINFO_COLUMNS = ("active_objs", "num_objs", "objsize", "objperslab",
                    "pagesperslab", "limit", "batchcount", "sharedfactor",
                    "active_slabs", "num_slabs", "sharedavail")


class CacheBusyError(ValueError):
    """kmem_cache_destroy() of a cache that still has live objects."""

    errno = _errno.EBUSY


def slab_flags(value):
    """int slab flags from an int or text such as "SLAB_POISON|SLAB_RED_ZONE"."""
    if value is None:
        return 0
    if isinstance(value, int):
        return ll._uint(value, "slab flags")
    if not isinstance(value, str):
        raise TypeError("slab flags must be str or int, not %s" % type(value).__name__)
    out = ffi.new("slab_flags_t *")
    err = ffi.new("char[]", ERRLEN)
    if lib.mm_slab_flags_parse(value.encode(), out, err, ERRLEN) < 0:
        raise ValueError(ffi.string(err).decode(errors="replace"))
    return int(out[0])


def slab_flags_text(value):
    """The kernel's names of slab flags (an int or text), joined by "|"."""
    buf = ffi.new("char[]", 1024)
    lib.mm_slab_flags_format(slab_flags(value), buf, 1024)
    return ffi.string(buf).decode()






def _rc(m, rc):
    if rc < 0:
        err, text = ll.last_error(m)
        if -rc == _errno.EBUSY:
            raise CacheBusyError(text)
        raise error_for(-rc, text if err == -rc else "error %d" % -rc)
    return rc


def _cache_int(attr, doc):
    """A read-only int attribute of a cache: mm_kmem_cache_<attr>(handle)."""
    fn = getattr(lib, "mm_kmem_cache_" + attr)
    return property(lambda self: int(fn(self.handle)), doc=doc)


class KmemCache:
    """One kmem_cache of a Machine (returned by Machine.kmem_cache_create).

    A merged cache shares its C cache with others (``c.name`` is then the
    name of the cache it merged into; ``c.requested_name`` is what was
    asked for)."""

    def __init__(self, machine, handle, requested_name, ctor=None):
        self._m = machine
        self._h = handle
        self._ctor = ctor            # keeps the cffi callback alive
        self._ctor_error = None      # what the constructor raised
        self.requested_name = requested_name
        key = int(ffi.cast("uintptr_t", handle))
        # by identity: objects of one cache compare equal
        machine._caches.setdefault(key, weakref.WeakValueDictionary())[id(self)] = self

    @property
    def _gate(self):
        return self._m._gate

    @property
    def handle(self):
        """The struct kmem_cache * (cffi cdata); ValueError once destroyed."""
        if self._h is None:
            raise ValueError("cache %r was destroyed" % self.requested_name)
        self._m.handle          # raises once the machine is closed
        return self._h

    def _on(self, cpu):
        return ll.on_cpu(self._m.handle, cpu)

    def _check_ctor(self, addrs):
        """The constructor raised during this call: the objects go back and
        its exception is raised."""
        err, self._ctor_error = self._ctor_error, None
        if err is None:
            return
        for a in addrs:
            if a:
                lib.mm_kmem_cache_free(self._h, _ptr(a))
        raise err

    # ---- objects -------------------------------------------------------

    def alloc(self, gfp="GFP_KERNEL", cpu=None, site=None):
        """kmem_cache_alloc(): an object's address, or None when memory runs
        out (a constructor's exception is raised, the object given back).
        site (page_owner=1): the call site it is attributed to, default the
        calling line."""
        h, g = self.handle, to_gfp(gfp)
        s = self._m._sites.get(site, 1)
        with self._on(cpu):
            if s is None:
                p = lib.mm_kmem_cache_alloc(h, ll._uint(g, "gfp"))
            else:
                p = lib.mm_kmem_cache_alloc_site(h, ll._uint(g, "gfp"), s)
            self._check_ctor([_addr(p)] if p != ffi.NULL else [])
        return _result(self._m.handle, p, "kmem_cache_alloc")

    def free(self, addr, cpu=None):
        """kmem_cache_free(); CorruptionError for an address that is not a
        live object of this cache (the free is refused and reported)."""
        h = self.handle
        with self._on(cpu):
            _rc(self._m.handle, lib.mm_kmem_cache_free(h, _ptr(addr)))

    def alloc_bulk(self, n, gfp="GFP_KERNEL", cpu=None):
        """n addresses, or None (all or nothing) when memory runs out."""
        h, g, n = self.handle, to_gfp(gfp), _size(n, "count")
        arr = ffi.new("void *[]", max(n, 1))
        with self._on(cpu):
            got = lib.mm_kmem_cache_alloc_bulk(h, ll._uint(g, "gfp"), n, arr)
            self._check_ctor([_addr(arr[i]) for i in range(got)])
        if got == 0 and n:
            return _result(self._m.handle, ffi.NULL, "kmem_cache_alloc_bulk")
        return [_addr(arr[i]) for i in range(n)]

    def free_bulk(self, addrs, cpu=None):
        """kmem_cache_free_bulk() of a list of objects of this cache."""
        h = self.handle
        addrs = list(addrs)
        arr = ffi.new("void *[]", [_ptr(a) for a in addrs] or [ffi.NULL])
        with self._on(cpu):
            _rc(self._m.handle, lib.mm_kmem_cache_free_bulk(h, len(addrs), arr))

    def shrink(self, cpu=None):
        """Give every empty slab back; the number of slabs freed."""
        h = self.handle
        with self._on(cpu):
            return _rc(self._m.handle, lib.mm_kmem_cache_shrink(h))

    def destroy(self, cpu=None):
        """Drop this reference; CacheBusyError if objects are still live.
        Waits for calls other threads have in flight; RuntimeError from
        inside a call on the machine (a constructor, an on_cpu block)."""
        def destroy():
            h = self.handle
            refs = lib.mm_kmem_cache_refcount(h)
            with self._on(cpu):
                _rc(self._m.handle, lib.mm_kmem_cache_destroy(h))
            key = int(ffi.cast("uintptr_t", h))
            if refs <= 1:               # the C cache is gone: all its objects too
                for c in list(self._m._caches.pop(key, {}).values()):
                    c._h = None
            self._h = None
        self.handle                     # ValueError if destroyed or closed
        self._m._gate.exclusive(destroy, holds=False)

    def validate(self, cpu=None):
        """SLUB's validate_slab_cache(): check and repair; errors found."""
        h = self.handle
        with self._on(cpu):
            return _rc(self._m.handle, lib.mm_kmem_cache_validate(h))

    def stat(self, name):
        """A CONFIG_SLUB_STATS counter ("alloc_fastpath", ...), all CPUs."""
        v = lib.mm_kmem_cache_stat(self.handle, name.encode())
        if v < 0:
            raise ValueError("unknown slab statistic %r" % name)
        return int(v)

    # ---- attributes ----------------------------------------------------

    name = property(lambda self: ffi.string(lib.mm_kmem_cache_name(self.handle)).decode(),
                    doc="The cache's name (for a merged cache: the cache it merged into).")
    object_size = _cache_int("object_size", "s->object_size: the size asked for.")
    size = _cache_int("size", "s->size: an object's slot with metadata, red zones and padding.")
    align = _cache_int("align", "The alignment calculate_alignment() chose.")
    objects_per_slab = _cache_int("objects_per_slab", "Objects in a slab of the preferred order.")
    order = _cache_int("order", "The page order of the cache's slabs (calculate_order()).")
    offset = _cache_int("offset", "s->offset: where the free pointer sits in a free object.")
    flags = _cache_int("flags", "The cache's SLAB_* flags as an int (slab_flags_text() names them).")
    refcount = _cache_int("refcount", "References to the C cache: 1 + the caches merged into it.")
    sheaf_capacity = _cache_int("sheaf_capacity",
                                "Objects per per-CPU sheaf (slub_sheaves=1 machines), else 0.")

    @property
    def failslab(self):
        """/sys/kernel/slab/<cache>/failslab: SLAB_FAILSLAB, which failslab's
        cache_filter selects (not settable on a merged cache)."""
        return bool(lib.mm_kmem_cache_flags(self.handle) & lib.SLAB_FAILSLAB)

    @failslab.setter
    def failslab(self, on):
        _rc(self._m.handle, lib.mm_kmem_cache_set_failslab(self.handle, 1 if on else 0))

    @property
    def remote_node_defrag_ratio(self):
        """/sys/kernel/slab/<cache>/remote_node_defrag_ratio (0..100)."""
        return int(lib.mm_kmem_cache_remote_node_defrag_ratio(self.handle, -1))

    @remote_node_defrag_ratio.setter
    def remote_node_defrag_ratio(self, value):
        value = ll.integer(value, "remote_node_defrag_ratio")
        if not 0 <= value <= 100:
            raise ValueError("remote_node_defrag_ratio %d is not 0..100" % value)
        lib.mm_kmem_cache_remote_node_defrag_ratio(self.handle, value)

    @property
    def destroyed(self):
        """True once a destroy freed the C cache (through any of its objects)."""
        return self._h is None

    def __eq__(self, other):
        return isinstance(other, KmemCache) and self._h == other._h and self._h is not None

    def __hash__(self):
        return hash(int(ffi.cast("uintptr_t", self._h))) if self._h is not None else 0

    def __repr__(self):
        if self._h is None:
            return "<KmemCache %s destroyed>" % self.requested_name
        return "<KmemCache %s object_size=%d size=%d objects_per_slab=%d order=%d>" % (
            self.name, self.object_size, self.size, self.objects_per_slab, self.order)


def parse_slabinfo(text):
    """/proc/slabinfo 2.1 text -> list of dicts (name + SLABINFO_COLUMNS)."""
    rows = []
    for line in text.splitlines()[2:]:
        fields = line.replace(":", " ").split()
        name = fields[0]
        nums = [int(x) for x in fields[1:] if x.isdigit()]
        rows.append(dict(zip(("name",) + SLABINFO_COLUMNS, [name] + nums)))
    return rows


class SlabMixin:
    """kmem_cache_create, the kmalloc family and slabinfo for Machine."""

    def kmem_cache_create(self, name, size, align=0, flags=0, ctor=None):
        """A KmemCache.  ctor: None or a callable taking the object's int
        address, run once per object when a slab is populated."""
        h = self.handle
        cb, box = ffi.NULL, []
        if ctor is not None:
            if not callable(ctor):
                raise TypeError("ctor must be callable")

            def run_ctor(p):
                try:
                    ctor(_addr(p))
                except BaseException as e:  # noqa: B902 - re-raised by the alloc
                    if box and box[0]._ctor_error is None:
                        box[0]._ctor_error = e
            cb = ffi.callback("void(void *)", run_ctor)
        s = lib.mm_kmem_cache_create(h, str(name).encode(), _size(size),
                                     _size(align, "align"), slab_flags(flags), cb)
        if s == ffi.NULL:
            err, text = ll.last_error(h)
            raise error_for(err or _errno.EINVAL, text)
        cache = KmemCache(self, s, str(name), cb if ctor is not None else None)
        box.append(cache)
        return cache

    def kmem_cache(self, name):
        """The existing cache (or alias) called name, e.g. "kmalloc-64"."""
        s = lib.mm_kmem_cache_find(self.handle, str(name).encode())
        if s == ffi.NULL:
            raise KeyError(name)
        return KmemCache(self, s, str(name))

    def kmalloc_cache(self, size, gfp="GFP_KERNEL"):
        """The cache kmalloc(size, gfp) uses, or None above 8 KiB."""
        s = lib.mm_kmalloc_cache(self.handle, _size(size), to_gfp(gfp))
        if s == ffi.NULL:
            return None
        return KmemCache(self, s, ffi.string(lib.mm_kmem_cache_name(s)).decode())

    def kmalloc(self, size, gfp="GFP_KERNEL", cpu=None, site=None):
        """kmalloc(): an address, or None when memory runs out;
        ZERO_SIZE_PTR (16) for size 0.  site (page_owner=1): the call site it
        is attributed to, default the calling line."""
        h, g = self.handle, to_gfp(gfp)
        s = self._sites.get(site, 1)
        with ll.on_cpu(h, cpu):
            if s is not None:
                return _result(h, lib.mm_kmalloc_site(h, _size(size), ll._uint(g, "gfp"), s),
                               "kmalloc")
            return _result(h, lib.mm_kmalloc(h, _size(size), ll._uint(g, "gfp")), "kmalloc")

    def kzalloc(self, size, gfp="GFP_KERNEL", cpu=None):
        """kmalloc() of zeroed memory."""
        h, g = self.handle, to_gfp(gfp)
        with ll.on_cpu(h, cpu):
            return _result(h, lib.mm_kzalloc(h, _size(size), ll._uint(g, "gfp")), "kzalloc")

    def kcalloc(self, n, size, gfp="GFP_KERNEL", cpu=None):
        """Zeroed kmalloc_array(); None when n * size overflows."""
        h, g = self.handle, to_gfp(gfp)
        with ll.on_cpu(h, cpu):
            return _result(h, lib.mm_kcalloc(h, _size(n, "count"), _size(size),
                                             ll._uint(g, "gfp")), "kcalloc")

    def kmalloc_array(self, n, size, gfp="GFP_KERNEL", cpu=None):
        """kmalloc(n * size); None when the product overflows (EOVERFLOW)."""
        h, g = self.handle, to_gfp(gfp)
        with ll.on_cpu(h, cpu):
            return _result(h, lib.mm_kmalloc_array(h, _size(n, "count"), _size(size),
                                                   ll._uint(g, "gfp")), "kmalloc_array")

    def krealloc(self, addr, size, gfp="GFP_KERNEL", cpu=None, site=None):
        """krealloc(): in place while ksize() allows, else a new object with
        the contents copied and the old one freed; None when memory runs out
        (the old object is kept).  site (page_owner=1): as kmalloc()."""
        h, g = self.handle, to_gfp(gfp)
        s = self._sites.get(site, 1)
        with ll.on_cpu(h, cpu):
            if s is not None:
                return _result(h, lib.mm_krealloc_site(h, _ptr(addr), _size(size),
                                                       ll._uint(g, "gfp"), s), "krealloc")
            return _result(h, lib.mm_krealloc(h, _ptr(addr), _size(size),
                                              ll._uint(g, "gfp")), "krealloc")

    def kfree(self, addr, cpu=None):
        """kfree(0) / kfree(None) / kfree(ZERO_SIZE_PTR) do nothing."""
        if not addr:
            return
        h = self.handle
        with ll.on_cpu(h, cpu):
            _rc(h, lib.mm_kfree(h, _ptr(addr)))

    def ksize(self, addr, cpu=None):
        """The object's usable size; CorruptionError for a pointer inside an
        object, or to an object that is free (as far as CPU cpu sees)."""
        h = self.handle
        if not addr or addr == ZERO_SIZE_PTR:
            return 0
        with ll.on_cpu(h, cpu):
            n = lib.mm_ksize(h, _ptr(addr))
        if n == 0:
            err, text = ll.last_error(h)
            raise error_for(err or _errno.EFAULT, text)
        return int(n)

    def kmemdup(self, data, gfp="GFP_KERNEL", cpu=None):
        """A kmalloc'ed copy of bytes data: its address, or None."""
        h, g, data = self.handle, to_gfp(gfp), bytes(data)
        with ll.on_cpu(h, cpu):
            return _result(h, lib.mm_kmemdup(h, data, len(data), ll._uint(g, "gfp")),
                           "kmemdup")

    def kstrdup(self, text, gfp="GFP_KERNEL", cpu=None):
        """A kmalloc'ed NUL-terminated copy of str text: its address, or None."""
        h, g = self.handle, to_gfp(gfp)
        with ll.on_cpu(h, cpu):
            return _result(h, lib.mm_kstrdup(h, str(text).encode(), ll._uint(g, "gfp")),
                           "kstrdup")

    def slabinfo(self):
        """The /proc/slabinfo rows as dicts (name + the 2.1 columns), read as
        numbers (mm_slabinfo) - the rows text("slabinfo") prints."""
        h = self.handle
        n = 0
        while True:
            rows = ffi.new("struct mm_slabinfo[]", max(n, 1))
            got = lib.mm_slabinfo(h, rows, n)
            if got < 0:
                raise error_for(_errno.EINVAL, "slabinfo: %d" % got)
            if got <= n:
                break
            n = got
        return [dict(name=ffi.string(r.name).decode(),
                     **{c: int(getattr(r, c)) for c in SLABINFO_COLUMNS})
                for r in rows[0:got]]

    @property
    def slab_errors(self):
        """Slab corruption reports and fixes so far (slub_kunit's counter)."""
        return int(lib.mm_slab_errors(self.handle))


gated(KmemCache, skip=("destroy", "destroyed", "handle"))
gated(SlabMixin)
