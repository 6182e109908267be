# SPDX-License-Identifier: GPL-2.0-only
"""SLOB (slab=slob, mm/slob.c of v6.3): where its blocks land.

slob_alloc() picks the list by request size (< SLOB_BREAK1 256 bytes,
< SLOB_BREAK2 1024, larger), tries each page first fit
(slob_page_alloc()) and moves the page that served the request to the
front of its list (next-fit); slob_free() coalesces a block with its free
neighbours and gives an emptied page back at once.  kmalloc adds an
8-byte size header (__do_kmalloc_node()), so kmalloc(n) takes n + 8 bytes
in SLOB_UNITs of 2, aligned so the object is 8-byte aligned.
"""
import pytest

from libmm import Machine
from mmutil import SMALL_CONFIG

PAGE = 4096
HDR = 8


def units(n):
    return (n + 1) // 2


@pytest.fixture
def m():
    mach = Machine(**SMALL_CONFIG, slab="slob")
    try:
        with mach.on_cpu(0):
            yield mach
        mach.validate()
    finally:
        mach.close()


def page(addr):
    return addr // PAGE


def test_kmalloc_header_and_packing(m):
    """kmalloc(100): 108 bytes; the next object's header is 8-aligned after
    it, so objects sit 112 bytes apart, the first 8 bytes into the page."""
    a, b = m.kmalloc(100), m.kmalloc(100)
    assert a % PAGE == HDR
    assert b - a == 112
    assert m.ksize(a) == 100
    m.kfree(a)
    m.kfree(b)


def test_lists_by_request_size(m):
    """A 500-byte request (< 1024: free_slob_medium) does not share the page
    of a 100-byte one (< 256: free_slob_small), though it has room; the next
    small request goes back to the small page."""
    small = m.kmalloc(100)
    medium = m.kmalloc(500)
    again = m.kmalloc(100)
    large = m.kmalloc(1500)
    assert page(medium) != page(small)
    assert page(again) == page(small)
    assert page(large) not in (page(small), page(medium))
    for p in (small, medium, again, large):
        m.kfree(p)


def test_next_fit_rotation(m):
    """Two small pages P2 (new, at the front) and P1; a request P2 cannot
    hold is served by P1, which then moves to the front, so the next
    request - which P2 could hold - lands in P1 too."""
    per_page = PAGE // (200 + HDR)              # 19 blocks of 208 bytes, 144 bytes left
    p1 = [m.kmalloc(200) for _ in range(per_page)]
    p2 = [m.kmalloc(200) for _ in range(per_page)]
    assert len({page(x) for x in p1}) == 1 and len({page(x) for x in p2}) == 1
    assert page(p1[0]) != page(p2[0])
    m.kfree(p1[5])                              # a 208-byte hole in P1
    mid = m.kmalloc(150)                        # 79 units: P2's 72 are too few,
    #                                             P1's 104-unit hole fits
    assert page(mid) == page(p1[0])
    tiny = m.kmalloc(4)                         # 6 units: fits either; P1 is first now
    assert page(tiny) == page(p1[0])
    for x in p1[:5] + p1[6:] + p2 + [mid, tiny]:
        m.kfree(x)


def test_rotation_keeps_the_list_order(m):
    """list_rotate_to_front() turns the list, it does not just move one page:
    with pages [C, B, A] (newest first), a request served by B leaves
    [B, A, C], so the next request B cannot hold is served by A, not C."""
    per_page = PAGE // (200 + HDR)
    a, b, c = ([m.kmalloc(200) for _ in range(per_page)] for _ in range(3))
    assert len({page(x[0]) for x in (a, b, c)}) == 3
    m.kfree(b[3])                               # a 104-unit hole in B
    first = m.kmalloc(150)                      # 79 units: C's tail (72) is too small
    assert page(first) == page(b[0])
    m.kfree(a[3])
    m.kfree(c[3])                               # holes in A and C too
    second = m.kmalloc(150)                     # B has 25 + 72 units: no room
    assert page(second) == page(a[0])
    for x in a[:3] + a[4:] + b[:3] + b[4:] + c[:3] + c[4:] + [first, second]:
        m.kfree(x)


def test_coalescing(m):
    """Freeing two neighbouring blocks makes one free block: a request of
    their combined size then fits exactly where the first was (first fit)."""
    a, b, c = m.kmalloc(24), m.kmalloc(24), m.kmalloc(24)   # 32-byte blocks
    assert (b - a, c - b) == (32, 32)
    m.kfree(a)
    m.kfree(b)
    d = m.kmalloc(56)                           # 64 bytes: a and b merged
    assert d == a
    m.kfree(d)
    m.kfree(c)


def test_empty_page_goes_back(m):
    before = m.vmstat()["nr_slab_unreclaimable"]
    ps = [m.kmalloc(100) for _ in range(10)]
    assert m.vmstat()["nr_slab_unreclaimable"] == before + 1
    for p in ps:
        m.kfree(p)
    assert m.vmstat()["nr_slab_unreclaimable"] == before


def test_large_requests_are_pages(m):
    p = m.kmalloc(PAGE - HDR)                   # no room for the header: pages
    assert p % PAGE == 0
    assert m.ksize(p) == PAGE
    m.kfree(p)


def test_double_free_refused(m):
    a = m.kmalloc(100)
    b = m.kmalloc(100)
    m.kfree(a)
    with pytest.raises(Exception, match="double free"):
        m.kfree(a)
    m.kfree(b)


def test_kmem_cache_objects_have_no_header(m):
    c = m.kmem_cache_create("slobc", 48, align=16)
    xs = [c.alloc() for _ in range(4)]
    assert all(x % 16 == 0 for x in xs)
    assert xs[1] - xs[0] == 48
    for x in xs:
        c.free(x)
    c.destroy()
