# SPDX-License-Identifier: GPL-2.0-only
"""Taint (kernel/panic.c): corruption a script can assert on.

Every slub_debug BUG report, freelist corruption, invalid free and refused
page free sets TAINT_BAD_PAGE (bit 5, 'B'); WARNings set TAINT_WARN (bit 9,
'W').  print_tainted() prints 'G' for the clear proprietary bit and one
letter or blank for each of the 20 flags; a BUG header says "Not tainted"
until the first taint, as the kernel's does.  panic_on_taint=MASK (hex)
turns the call that adds such a taint into a CorruptionError - the kernel
would panic - and the machine stays usable.
"""
import os

import pytest

from libmm import CorruptionError, Machine

from mmutil import classic_only, scribble_free_pointer

ASAN = os.environ.get("LIBMM_VARIANT") == "asan"
TAINT_BAD_PAGE, TAINT_WARN = 5, 9
# taint_flags[] of 6.18: (letter when set, when clear) by bit number
TAINT_LETTERS = "PFSRMBUDAWCIOELKXTNJ"


def print_tainted(mask):
    """The kernel's print_tainted() for a taint mask."""
    if not mask:
        return "Not tainted"
    return "Tainted: " + "".join(
        c if mask >> i & 1 else ("G" if i == 0 else " ")
        for i, c in enumerate(TAINT_LETTERS))


def debug_machine(**kw):
    return Machine(cpus=1, DMA="0", DMA32="0", NORMAL="64M", debug="FZPU", **kw)


# The debug contract both SLUB and SLAB (slab=slab) keep: the damage is
# reported naming cache and object, taints 'B', the bad operation is
# refused; each in its own kernel's words.
ALLOCATORS = pytest.mark.parametrize("slab", ["slub", "slab"])
USE_AFTER_FREE_REPORT = {"slub": "BUG victim (Not tainted): Poison overwritten",
                         "slab": "Slab corruption (Not tainted): victim start="}
RED_ZONE_REPORT = {"slub": "BUG victim (%s): Right Redzone overwritten" % print_tainted(1 << 5),
                   "slab": "slab error in verify_redzone_free(): cache `victim': memory "
                           "outside object was overwritten"}


def write_after_free(m, cache):
    a = cache.alloc()
    cache.free(a)
    m.write(a + 8, b"\x42")
    return a


@ALLOCATORS
def test_write_after_free_taints_bad_page(slab):
    with debug_machine(slab=slab) as m:
        c = m.kmem_cache_create("victim", 64)
        assert m.tainted == 0 and m.text("tainted") == "Not tainted\n"
        a = write_after_free(m, c)
        b = c.alloc()                       # finds the damage, quarantines a
        assert b is not None and b != a
        assert m.tainted & (1 << TAINT_BAD_PAGE)
        assert m.tainted == 1 << TAINT_BAD_PAGE
        assert m.text("tainted") == print_tainted(1 << 5) + "\n"
        assert print_tainted(1 << 5) == "Tainted: G    B" + " " * 14
        log = m.dmesg()
        assert USE_AFTER_FREE_REPORT[slab] in log
        m.write(b + 64, b"\x00")            # red zone: the next BUG header says so
        with pytest.raises(CorruptionError):
            c.free(b)
        assert RED_ZONE_REPORT[slab] in m.dmesg()
        if slab == "slab":                  # mm_validate only reads: b stays damaged
            with pytest.raises(CorruptionError, match="victim: allocated object %#x" % b):
                m.validate()
            m.write(b + 64, (0xD84156C5635688C0).to_bytes(8, "little")[:1])
        m.validate()


@ALLOCATORS
def test_panic_on_taint_fails_the_detecting_call(slab):
    with debug_machine(panic_on_taint="0x20", slab=slab) as m:
        c = m.kmem_cache_create("victim", 64)
        a = write_after_free(m, c)
        with pytest.raises(CorruptionError, match="panic_on_taint"):
            c.alloc()
        assert m.tainted & (1 << TAINT_BAD_PAGE)
        assert "Kernel panic - not syncing: panic_on_taint set ..." in m.dmesg()
        b = c.alloc()                       # the machine goes on
        assert b not in (None, a)
        c.free(b)
        m.validate()


def test_panic_on_taint_mask_is_hex_and_selective():
    with Machine(cpus=1, DMA="0", DMA32="0", NORMAL="64M", panic_on_taint="200") as m:
        assert "panic_on_taint=0x200" in m.config
        with pytest.raises(CorruptionError):
            m.kmalloc(1 << 40)              # WARN: above KMALLOC_MAX_SIZE, 'W'
        assert m.tainted == 1 << TAINT_WARN
        with pytest.raises(CorruptionError):
            m.free_pages(m.alloc_pages(order=1), order=0)     # 'B': not in the mask,
        assert m.tainted == (1 << TAINT_WARN) | (1 << TAINT_BAD_PAGE)  # refused anyway
    for bad in ("0", "zz", "-1", "100000"):
        with pytest.raises(ValueError, match="panic_on_taint"):
            Machine(panic_on_taint=bad)


def test_warnings_taint_warn(small_machine):
    m = small_machine
    assert m.kmalloc(1 << 50) is None       # ENOMEM, with the kernel's WARN
    assert m.tainted == 1 << TAINT_WARN
    assert "WARNING: kmalloc" in m.dmesg()
    v = m.vmalloc(8192)
    with pytest.raises(CorruptionError, match="Trying to vfree"):
        m.vfree(v + 4096)                   # the kernel's WARN: 'W' again
    assert m.tainted == 1 << TAINT_WARN
    m.vfree(v)
    assert "Tainted: G        W" in m.text("tainted")


def test_invalid_frees_taint_bad_page(small_machine):
    m = small_machine
    pfn = m.alloc_pages(order=2)
    m.free_pages(pfn, order=2)
    with pytest.raises(CorruptionError, match="double free"):
        m.free_pages(pfn, order=2)
    assert m.tainted == 1 << TAINT_BAD_PAGE
    with Machine(**dict(cpus=1, DMA="0", DMA32="0", NORMAL="64M")) as m2:
        p = m2.kmalloc(64)
        with pytest.raises(CorruptionError):
            m2.kfree(p + 8)
        assert m2.tainted == 1 << TAINT_BAD_PAGE
        m2.kfree(p)


@pytest.mark.skipif(ASAN, reason="writes into an ASan-poisoned free object")
def test_freelist_corruption_taints(machine):
    c = machine.kmem_cache_create("hard", 128, flags="SLAB_NO_MERGE")
    classic_only(c, "frees go to the sheaves, which write no free pointer")
    a, b, _, _ = scribble_free_pointer(machine, c)
    assert machine.tainted == 0
    assert c.alloc() == b                   # the bad link is not followed
    assert machine.tainted == 1 << TAINT_BAD_PAGE
    assert "BUG hard (Not tainted): Freepointer corrupt" in machine.dmesg()
    c.free(a)
    c.free(b)


@pytest.mark.skipif(ASAN, reason="writes into an ASan-poisoned free object")
def test_freelist_corruption_with_panic_on_taint():
    with Machine(cpus=1, DMA="0", DMA32="0", NORMAL="64M", panic_on_taint="20") as m:
        c = m.kmem_cache_create("hard", 128, flags="SLAB_NO_MERGE")
        a, b, _, _ = scribble_free_pointer(m, c)
        with pytest.raises(CorruptionError, match="panic_on_taint"):
            c.alloc()
        got = c.alloc()                     # b was given back; it comes again
        assert got == b
        c.free(got)
        c.free(a)
        m.validate()


def test_validate_failure_taints(machine):
    c = machine.kmem_cache_create("rz", 64, flags="SLAB_RED_ZONE|SLAB_NO_USER_FLAGS")
    p = c.alloc()
    machine.write(p - 1, b"\x00")
    with pytest.raises(CorruptionError):
        machine.validate()
    assert machine.tainted == 1 << TAINT_BAD_PAGE
    c.validate()                            # kmem_cache_validate repairs
    machine.validate()                      # the taint stays
    assert machine.tainted == 1 << TAINT_BAD_PAGE
    c.free(p)
    c.destroy()
