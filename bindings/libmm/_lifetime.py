# SPDX-License-Identifier: GPL-2.0-only
"""How long a machine and its caches live when several threads use them.

cffi releases the GIL inside every C call, so another Python thread may be
inside libmm while one calls ``Machine.close()`` or ``KmemCache.destroy()``.
Each Machine has a ``Gate``: every public call enters it (shared, any
number of threads at once), and close/destroy take it exclusively - they
wait until the calls in flight have returned (close also for the ``with
m.on_cpu(n):`` blocks), and calls made meanwhile wait for them.  A thread
that is itself inside a call on the machine (a slab constructor, a report
callback) cannot close or destroy: that would free what the outer call is
using, so it raises instead.

``gated(cls)`` wraps every public method and property of a class so that it
runs inside the gate of ``self._gate``.
"""
import functools
import threading
import time
from threading import get_ident


class Gate:
    """Shared entry for calls, exclusive entry for close/destroy.

    A call appends its thread to _inflight (an on_cpu() block to _holds)
    and then looks for an exclusive owner; close/destroy set the owner and
    then wait for those lists to hold nothing but themselves.
    list.append/remove are atomic under the GIL, so either side sees the
    other (and a call backs off), with no lock in the way of a call.
    destroy() of a cache waits for calls only: a CPU another thread holds
    in an on_cpu() block is the C library's to refuse (EBUSY)."""

    def __init__(self, what):
        self._what = what
        self._inflight = []             # a thread ident per call in flight
        self._holds = []                # a thread ident per on_cpu() block
        self._owner = None              # thread holding it exclusively
        self._cond = threading.Condition()
        self.closed = False

    def enter(self, where=None):
        me = get_ident()
        where = self._inflight if where is None else where
        where.append(me)
        if self._owner is not None or self.closed:
            where.remove(me)
            self._enter_slow(me, where)

    def _enter_slow(self, me, where):
        with self._cond:
            while True:
                if self.closed and self._owner != me:
                    raise ValueError("%s is closed" % self._what)
                where.append(me)
                if self._owner is None or self._owner == me:
                    return
                where.remove(me)
                self._cond.wait(0.01)

    def leave(self, where=None):
        (self._inflight if where is None else where).remove(get_ident())

    def hold(self):
        """An on_cpu() block begins (leave with release())."""
        self.enter(self._holds)

    def release(self):
        self.leave(self._holds)

    def exclusive(self, action, holds=True):
        """Run action() once no other thread's call (and, with holds, no
        on_cpu() block) is in flight; calls arriving meanwhile wait.
        RuntimeError from inside a call (or block) of the calling thread."""
        me = get_ident()
        if me in self._inflight or (holds and me in self._holds):
            raise RuntimeError(
                "%s: cannot close or destroy from inside one of its own calls "
                "(a constructor, a report callback or an on_cpu() block): "
                "the outer call still uses it" % self._what)
        with self._cond:
            while self._owner is not None:
                self._cond.wait(0.01)
            if self.closed:
                return None
            self._owner = me
        try:
            while [t for t in list(self._inflight) + (list(self._holds) if holds else [])
                   if t != me]:
                time.sleep(0.0002)
            return action()
        finally:
            with self._cond:
                self._owner = None
                self._cond.notify_all()


def _wrap(fn):
    @functools.wraps(fn)
    def call(self, *args, **kwargs):
        gate = self._gate
        gate.enter()
        try:
            return fn(self, *args, **kwargs)
        finally:
            gate.leave()
    return call


def gated(cls, skip=()):
    """Wrap cls's own public methods and properties (not those in skip)."""
    for name, value in list(vars(cls).items()):
        if name.startswith("_") or name in skip:
            continue
        if isinstance(value, property):
            setattr(cls, name, property(
                _wrap(value.fget) if value.fget else None,
                _wrap(value.fset) if value.fset else None,
                value.fdel, value.__doc__))
        elif callable(value) and not isinstance(value, (staticmethod, classmethod, type)):
            setattr(cls, name, _wrap(value))
    return cls
