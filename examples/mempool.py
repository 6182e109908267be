# SPDX-License-Identifier: GPL-2.0-only
"""A user's own code on top of libmm: a mempool (include/linux/mempool.h).

mempool_create() sets min_nr elements aside; mempool_alloc() tries the
allocator first and falls back on the reserve when that fails, so that a
driver's I/O path makes progress under memory pressure; mempool_free()
refills the reserve before it gives anything back.  This toy keeps the
kernel's rules and is tested in test_mempool.py - including its failure
path, which only fault injection reaches on a machine with free memory.
"""


class Mempool:
    def __init__(self, machine, min_nr, size):
        self.m = machine
        self.size = size
        self.min_nr = min_nr
        self.reserve = []
        for _ in range(min_nr):
            p = machine.kmalloc(size)
            if p is None:
                self.destroy()
                raise MemoryError("mempool_create: no memory for the reserve")
            self.reserve.append(p)

    def alloc(self, gfp="GFP_NOIO"):
        """An element, or None when the allocator and the reserve are empty.
        The first try is opportunistic (__GFP_NORETRY | __GFP_NOWARN), as
        mempool_alloc() makes it."""
        p = self.m.kmalloc(self.size, gfp=gfp + "|__GFP_NORETRY|__GFP_NOWARN")
        if p is None and self.reserve:
            p = self.reserve.pop()
        return p

    def free(self, p):
        if len(self.reserve) < self.min_nr:
            self.reserve.append(p)
        else:
            self.m.kfree(p)

    def destroy(self):
        while self.reserve:
            self.m.kfree(self.reserve.pop())
