# SPDX-License-Identifier: GPL-2.0-only
"""Movable memory, mixed into ``Machine``: processes, pins, owners,
migration and compaction.

    p = m.process()                    # a user address space
    pfn = p.fault(0x200000, order=9)   # a THP at 2M (None when it fails)
    p.write(0x200000, b"hello")        # through the process's own mapping
    p.pin(0x200000)                    # pin_user_pages: it no longer migrates
    m.compact_memory()                 # vm.compact_memory: per-zone results
    p.close()

Addresses given to a process are its user addresses (0 .. task_size).
Out of memory is ``None``; misuse raises ValueError (unaligned, outside the
address space, nothing mapped there, not pinned) or CPUBusyError-style
ValueErrors with ``errno`` set (EBUSY for pinned folios).  A closed process
or machine raises ValueError.  Addresses, orders, nodes and values are
integers (TypeError for a float, str or bool).  Every call enters the
machine's gate (_lifetime.py), so Machine.close() waits for the calls in
flight and refuses (RuntimeError) from inside one - an owner's callback.

``MIGRATE_MODES`` maps the mode names migrate_pages() takes ("ASYNC",
"SYNC_LIGHT", "SYNC") to the C values; ``FAIL_REASONS`` lists the reasons a
page is not migrated (the keys of a result's "failed" dict).
"""
import errno as _errno
import weakref

from . import _lowlevel as ll
from ._errors import error_for
from ._libmm import ffi, lib
from ._lifetime import gated

MIGRATE_MODES = {"ASYNC": lib.MM_MIGRATE_ASYNC, "SYNC_LIGHT": lib.MM_MIGRATE_SYNC_LIGHT,
                 "SYNC": lib.MM_MIGRATE_SYNC}
FAIL_REASONS = [ffi.string(lib.mm_migrate_fail_name(i)).decode()
                for i in range(lib.MM_MIGRATE_NR_FAIL)]


def _raise(m, rc_or_none, what):
    """Raise the machine's last error (EFAULT here means "not mapped": a
    ValueError, not corruption)."""
    err, text = ll.last_error(m)
    if rc_or_none is not None and rc_or_none < 0 and err != -rc_or_none:
        err = -rc_or_none
    if err == _errno.EFAULT:
        exc = ValueError(text or what + " failed")
        exc.errno = err
        raise exc
    raise error_for(err or _errno.EINVAL, text or what + " failed")


def _check(m, rc, what):
    if rc < 0:
        _raise(m, rc, what)
    return rc


def _addr(value, what="address"):
    return ll._uint(value, what, ll.ULONG_MAX)


def _node(node):
    return -1 if node is None else ll.integer(node, "node")


def migrate_result(res, not_migrated=None):
    """A struct mm_migrate_result as a dict."""
    out = {"succeeded": int(res.nr_succeeded), "failed_pages": int(res.nr_failed_pages),
           "thp_succeeded": int(res.nr_thp_succeeded), "thp_failed": int(res.nr_thp_failed),
           "thp_split": int(res.nr_thp_split), "split": int(res.nr_split),
           "failed": {n: int(res.nr_failed[i]) for i, n in enumerate(FAIL_REASONS)
                      if res.nr_failed[i]},
           "first_pfn": {n: int(res.first_pfn[i]) for i, n in enumerate(FAIL_REASONS)
                         if res.nr_failed[i]}}
    if not_migrated is not None:
        out["not_migrated"] = not_migrated
    return out


class Process:
    """One simulated task's address space (struct mm_process)."""

    def __init__(self, machine):
        self._machine = machine
        h = machine.handle
        p = lib.mm_process_create(h)
        if p == ffi.NULL:
            _raise(h, None, "process_create")
        self._p = p
        machine._processes.add(self)

    @property
    def handle(self):
        """The struct mm_process * (cffi cdata); ValueError once closed."""
        if self._p is None or self._machine.closed:
            raise ValueError("process is closed")
        return self._p

    def _m(self):
        return self._machine.handle

    @property
    def _gate(self):
        return self._machine._gate

    def close(self, cpu=0):
        """exit_mmap(): release every pin, unmap and free every page
        (nothing to do once the machine is closed: it freed them)."""
        _machine_call(self._machine, self._close, cpu)

    def _close(self, cpu):
        if self._p is not None:
            with ll.on_cpu(self._m(), cpu):
                lib.mm_process_destroy(self._p)
        self._p = None
        self._machine._processes.discard(self)

    @property
    def closed(self):
        """True once the process or its machine was closed."""
        return self._p is None or self._machine.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        if self.closed:
            return "<libmm.Process closed>"
        return "<libmm.Process pid %d rss %d>" % (self.pid, self.info()["rss"])

    def info(self):
        """pid, task_size, rss (pages mapped), nr_folios, nr_pinned,
        nr_pgtables (PTE tables) and nr_maps (host mappings) as a dict."""
        out = ffi.new("struct mm_process_info *")
        _check(self._m(), lib.mm_process_info(self.handle, out), "process_info")
        return {"pid": out.pid, "task_size": out.task_size, "rss": out.rss,
                "nr_folios": out.nr_folios, "nr_pinned": out.nr_pinned,
                "nr_pgtables": out.nr_pgtables, "nr_maps": out.nr_maps}

    pid = property(lambda self: self.info()["pid"], doc="The process's id on its machine.")

    def fault(self, addr, order=0, cpu=0):
        """Fault a folio of 2^order pages in at addr; its first PFN, or None
        when the allocation fails."""
        h, p = self._m(), self.handle
        with ll.on_cpu(h, cpu):
            rc = lib.mm_process_fault(p, _addr(addr), ll._uint(order, "order"))
        if rc == -_errno.ENOMEM:
            return None
        _check(h, rc, "fault")
        return self.pfn(addr)

    def unmap(self, addr, length, cpu=0):
        """munmap() of [addr, addr + length): the folios there are freed
        (a THP partly covered is split first); ValueError for a pinned one."""
        h, p = self._m(), self.handle
        with ll.on_cpu(h, cpu):
            _check(h, lib.mm_process_unmap(p, _addr(addr), _addr(length, "length")), "unmap")

    def pfn(self, addr):
        """The PFN mapped at user address addr; ValueError when none is."""
        pfn = lib.mm_process_pfn(self.handle, _addr(addr))
        if pfn == lib.MM_PFN_INVALID:
            _raise(self._m(), None, "pfn")
        return int(pfn)

    def host_address(self, addr):
        """Where user address addr is mapped in this Python process."""
        p = lib.mm_process_host_address(self.handle, _addr(addr))
        if p == ffi.NULL:
            _raise(self._m(), None, "host_address")
        return int(ffi.cast("uintptr_t", p))

    def read(self, addr, n):
        """n bytes at user address addr, through the process's mapping."""
        n = ll.size_arg(n, "length")
        buf = ffi.new("char[]", max(n, 1))
        _check(self._m(), lib.mm_process_read(self.handle, _addr(addr), buf, n), "read")
        return bytes(ffi.buffer(buf, n))

    def write(self, addr, data):
        """Write bytes at user address addr, through the process's mapping."""
        data = bytes(data)
        _check(self._m(), lib.mm_process_write(self.handle, _addr(addr), data, len(data)),
               "write")

    def pin(self, addr, longterm=False, cpu=0):
        """pin_user_pages (FOLL_LONGTERM with longterm=True); the PFN."""
        h, p = self._m(), self.handle
        with ll.on_cpu(h, cpu):
            rc = lib.mm_process_pin(p, _addr(addr),
                                    lib.MM_FOLL_LONGTERM if longterm else 0)
        return _check(h, rc, "pin")

    def unpin(self, addr):
        """unpin_user_page() of the folio at addr; ValueError when not pinned."""
        _check(self._m(), lib.mm_process_unpin(self.handle, _addr(addr)), "unpin")

    def folios(self):
        """[(addr, pfn, order, pins)] of every mapped folio, by address."""
        out = []

        @ffi.callback("int(void *, unsigned long, unsigned long, unsigned, unsigned long)")
        def visit(_arg, addr, pfn, order, pins):
            out.append((int(addr), int(pfn), int(order), int(pins)))
            return 0

        _check(self._m(), lib.mm_process_walk(self.handle, visit, ffi.NULL), "walk")
        return out


class MovableOwner:
    """A movable_operations owner registered from Python.

    migrate(dst_pfn, src_pfn, private) -> 0 or -errno (e.g. -errno.EAGAIN);
    isolate(pfn, private) -> bool (optional); putback(pfn, private)
    (optional).  They run under the machine's migration lock: they may
    update Python state but must not call the machine."""

    def __init__(self, machine, name, migrate, isolate=None, putback=None):
        self._machine = machine
        h = machine.handle

        def pfn(page):
            return int(lib.mm_page_to_pfn(h, page))

        self._cbs = [ffi.callback(
            "int(void *, struct page *, struct page *, unsigned long, int)",
            lambda _a, dst, src, priv, _mode: int(migrate(pfn(dst), pfn(src), int(priv))),
            onerror=lambda *exc: None, error=-_errno.EIO)]
        ops = ffi.new("struct mm_movable_operations *")
        ops.migrate_page = self._cbs[0]
        if isolate is not None:
            self._cbs.append(ffi.callback(
                "int(void *, struct page *, unsigned long, int)",
                lambda _a, page, priv, _mode: 1 if isolate(pfn(page), int(priv)) else 0,
                error=0))
            ops.isolate_page = self._cbs[-1]
        if putback is not None:
            self._cbs.append(ffi.callback(
                "void(void *, struct page *, unsigned long)",
                lambda _a, page, priv: putback(pfn(page), int(priv))))
            ops.putback_page = self._cbs[-1]
        o = lib.mm_movable_owner_register(h, name.encode(), ops, ffi.NULL)
        if o == ffi.NULL:
            _raise(h, None, "movable_owner_register")
        self._o = o
        machine._owners.add(self)

    def set_movable(self, pfn, private=0):
        """__SetPageMovable on the head of a block this owner allocated."""
        h = self._machine.handle
        _check(h, lib.mm_page_set_movable(h, ll.pfn_to_page(h, pfn), self._o,
                                          ll._uint(private, "private", ll.ULONG_MAX)),
               "set_movable")

    def clear_movable(self, pfn):
        """__ClearPageMovable: the page at pfn is no longer this owner's to move."""
        h = self._machine.handle
        _check(h, lib.mm_page_clear_movable(h, ll.pfn_to_page(h, pfn)), "clear_movable")

    @property
    def _gate(self):
        return self._machine._gate

    def unregister(self):
        """mm_movable_owner_unregister (nothing to do once the machine is
        closed)."""
        _machine_call(self._machine, self._unregister)

    def _unregister(self):
        if self._o is not None:
            _check(self._machine.handle, lib.mm_movable_owner_unregister(self._o),
                   "unregister")
        self._o = None
        self._machine._owners.discard(self)


def _machine_call(machine, fn, *args):
    """fn(*args) inside the machine's gate, unless the machine is closed
    (then nothing: closing it freed everything)."""
    gate = machine._gate
    try:
        gate.enter()
    except ValueError:
        return None                     # closed meanwhile
    try:
        return None if machine.closed else fn(*args)
    finally:
        gate.leave()


class MovableMixin:
    """Machine methods for processes, owners, migration and compaction."""

    def _movable_init(self):
        self._processes = weakref.WeakSet()
        self._owners = set()

    def process(self):
        """A new user address space (mm_process_create)."""
        return Process(self)

    def movable_owner(self, name, migrate, isolate=None, putback=None):
        """Register a movable_operations owner (see MovableOwner)."""
        return MovableOwner(self, name, migrate, isolate, putback)

    def migrate_pages(self, pfns, node=None, mode="SYNC", cpu=0):
        """migrate_pages() of the folios holding pfns; a dict saying what
        moved and why the rest did not (not_migrated: folios left)."""
        h = self.handle
        if mode not in MIGRATE_MODES:
            raise ValueError("unknown migrate mode %r (%s)" % (mode, ", ".join(MIGRATE_MODES)))
        arr = ffi.new("unsigned long[]", [ll._uint(p, "pfn", ll.ULONG_MAX) for p in pfns] or [0])
        res = ffi.new("struct mm_migrate_result *")
        with ll.on_cpu(h, cpu):
            rc = lib.mm_migrate_pages(h, arr, len(pfns), _node(node), MIGRATE_MODES[mode], res)
        _check(h, rc, "migrate_pages")
        return migrate_result(res, int(rc))

    def compact_info(self, node, zone):
        """A zone's compaction state and its last run (mm_compact_info)."""
        from .machine import ZONE_NAMES, zone_index
        h = self.handle
        ci = ffi.new("struct mm_compact_info *")
        node = ll.integer(node, "node")
        _check(h, lib.mm_compact_info(h, node, zone_index(zone), ci), "compact_info")
        return {"node": node, "zone": ZONE_NAMES[zone_index(zone)],
                "result": ffi.string(lib.mm_compact_result_name(ci.last_result)).decode(),
                "runs": ci.runs, "order": ci.last_order, "migrate_scanned": ci.migrate_scanned,
                "free_scanned": ci.free_scanned, "isolated": ci.isolated,
                "migrated": ci.migrated, "failed": ci.failed,
                "not_migrated": {n: int(ci.nr_failed[i]) for i, n in enumerate(FAIL_REASONS)
                                 if ci.nr_failed[i]},
                "first_pfn": {n: int(ci.first_pfn[i]) for i, n in enumerate(FAIL_REASONS)
                              if ci.nr_failed[i]},
                "compact_considered": ci.compact_considered,
                "compact_defer_shift": ci.compact_defer_shift,
                "compact_order_failed": ci.compact_order_failed,
                "cached_migrate_pfn": [ci.cached_migrate_pfn[0], ci.cached_migrate_pfn[1]],
                "cached_free_pfn": ci.cached_free_pfn, "skip_pageblocks": ci.nr_skip,
                "fragmentation_score": ci.fragmentation_score}

    def compact_memory(self, node=None, cpu=0):
        """vm.compact_memory (node=None) or a node's compact file: full
        synchronous compaction; the per-zone results."""
        h = self.handle
        with ll.on_cpu(h, cpu):
            _check(h, lib.mm_compact_memory(h, _node(node)), "compact_memory")
        return [self.compact_info(z["node"], z["name"]) for z in self.zones
                if z["present"] and (node is None or z["node"] == node)]

    def sysctl(self, name, value=None):
        """Read or write a vm sysctl: compaction_proactiveness,
        extfrag_threshold; compact_memory (write 1)."""
        h = self.handle
        name = name[3:] if name.startswith("vm.") else name
        if value is None:
            v = lib.mm_sysctl_read(h, name.encode())
            if v < 0:
                raise ValueError("unknown or write-only sysctl vm.%s" % name)
            return int(v)
        with ll.on_cpu(h, 0):
            _check(h, lib.mm_sysctl_write(h, name.encode(), ll.integer(value, "value")),
                   "sysctl")
        return None

    def kcompactd_run(self):
        """One kcompactd wake-up on every node now (what m.tick() does for
        it)."""
        h = self.handle
        _check(h, lib.mm_kcompactd_run(h), "kcompactd_run")


gated(Process, skip=("close", "closed", "handle"))
gated(MovableOwner, skip=("unregister",))
gated(MovableMixin)
