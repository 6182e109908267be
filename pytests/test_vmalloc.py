# SPDX-License-Identifier: GPL-2.0-only
"""vmalloc through Python: areas, aliasing with the direct map,
guard pages, bad input (nothing changes), reports in the kernel's format,
placement (vmalloc_32, nodes), the vmalloc_size= key, two threads."""
import os
import re
import signal
import threading

import pytest

from libmm import CorruptionError, Machine

PAGE = 4096
# /proc/vmallocinfo line
LINE = re.compile(r"^0x[0-9a-f]{16}-0x[0-9a-f]{16} +\d+ \S+( pages=\d+)?"
                  r"( vmalloc| vmap)( N\d+=\d+)*$")
UNPURGED = re.compile(r"^0x[0-9a-f]{16}-0x[0-9a-f]{16} +\d+ unpurged vm_area$")


def test_roundtrip_and_aliasing(small_machine):
    m = small_machine
    v = m.vmalloc(10 * PAGE + 1)
    assert v is not None and v % PAGE == 0 and m.is_vmalloc_addr(v)
    start, end = m.vmalloc_range
    assert start <= v < end
    for i in range(11):
        data = bytes([i + 1]) * 16
        m.write(v + i * PAGE + 100, data)
        direct = m.page_address(m.vmalloc_to_pfn(v + i * PAGE))
        assert m.read(direct + 100, 16) == data
        m.write(direct + 200, b"back%02d" % i)
        assert m.read(v + i * PAGE + 200, 6) == b"back%02d" % i
    (area,) = m.vmallocinfo()
    assert area["start"] == v and area["size"] == 12 * PAGE and area["pages"] == 11
    assert area["kind"] == "vmalloc" and area["nodes"] == {0: 11}
    m.vfree(v)
    assert m.vmallocinfo() == []


def test_vzalloc_is_zeroed_and_vmalloc_32_low(small_machine):
    m = small_machine
    dirty = m.vmalloc(64 * PAGE)
    m.write(dirty, b"\xff" * 64 * PAGE)
    m.vfree(dirty)
    m.drain_pages()
    z = m.vzalloc(64 * PAGE)
    assert m.read(z, 64 * PAGE) == bytes(64 * PAGE)
    low = m.vmalloc_32(32 * PAGE)
    assert {m.page_zone(m.vmalloc_to_pfn(low + i * PAGE)) for i in range(32)} <= {"DMA", "DMA32"}
    m.vfree(z)
    m.vfree(low)


def test_node_placement():
    with Machine(cpus=2, nodes=2, DMA="16M", DMA32="16M", NORMAL="32M") as m:
        v = m.vmalloc(8 * PAGE, node=1)
        assert {m.page_node(m.vmalloc_to_pfn(v + i * PAGE)) for i in range(8)} == {1}
        assert m.vmallocinfo()[0]["nodes"] == {1: 8}
        m.vfree(v)
        with pytest.raises(ValueError, match="node 2"):
            m.vmalloc(PAGE, node=2)
        m.validate()


def test_bad_input_changes_nothing(small_machine):
    m = small_machine
    v = m.vmalloc(3 * PAGE)
    before = m.text("vmallocinfo")
    with pytest.raises(ValueError, match="size 0"):
        m.vmalloc(0)
    with pytest.raises(ValueError, match="exceeds the vmalloc range"):
        m.vmalloc(8 << 30)
    with pytest.raises(ValueError):
        m.vmalloc(-1)
    with pytest.raises(ValueError, match="power of two"):
        m.vmalloc(PAGE, align=3 * PAGE)
    # more than the machine's memory: an allocation failure, not misuse
    assert m.vmalloc(1 << 30) is None
    with pytest.raises(CorruptionError, match="inside the area"):
        m.vfree(v + PAGE)
    with pytest.raises(CorruptionError, match="guard page"):
        m.vfree(v + 3 * PAGE)
    with pytest.raises(CorruptionError, match="not a vmalloc address"):
        m.vfree(m.page_address(100))
    with pytest.raises(CorruptionError, match="vfree"):
        m.vunmap(v)
    with pytest.raises(ValueError, match="guard page"):
        m.vmalloc_to_pfn(v + 3 * PAGE)
    with pytest.raises(ValueError, match="outside"):
        m.read(v + 3 * PAGE - 4, 8)          # runs into the guard page
    m.vfree(0)
    m.vfree(None)
    assert m.text("vmallocinfo") == before
    m.validate()
    m.vfree(v)
    with pytest.raises(CorruptionError, match="double free"):
        m.vfree(v)
    m.vm_unmap_aliases()
    with pytest.raises(CorruptionError, match="nonexistent vm area"):
        m.vfree(v)
    assert "exceeds total pages" in m.dmesg()
    rep = m.report()["vmalloc"]
    assert rep["alloc_fail"] == 1 and rep["areas"] == 0


def test_backing_none_refuses():
    with Machine(cpus=1, NORMAL="64M", backing="none") as m:
        with pytest.raises(ValueError, match="backing=none"):
            m.vmalloc(PAGE)
        m.vfree(0)
        assert m.vmalloc_range == (0, 0)
        assert m.report()["vmalloc"] == {"enabled": False}
        assert m.vmallocinfo() == []


def test_vmalloc_size_config():
    with Machine(cpus=1, NORMAL="64M", vmalloc_size="16M") as m:
        start, end = m.vmalloc_range
        assert end - start == 16 << 20 and start % (2 << 20) == 0
        assert "vmalloc_size=16M" in m.config
        areas = []
        while True:
            a = m.vmalloc(1 << 20)
            if a is None:
                break
            areas.append(a)
        assert len(areas) == 15                 # 1M + guard each
        assert m.report()["vmalloc"]["range_fail"] == 1
        assert "vmap allocation for size" in m.dmesg()
        for a in areas:
            m.vfree(a)
        m.validate()
    with pytest.raises(ValueError, match="vmalloc_size"):
        Machine(vmalloc_size="1K")
    with Machine(cpus=1, NORMAL="64M") as m:
        assert "vmalloc" not in m.config


def test_vmap_aliases_caller_pages(small_machine):
    m = small_machine
    pfns = [m.alloc_pages(0) for _ in range(6)]
    scattered = pfns[::-1][::2]               # not contiguous, reversed
    v = m.vmap(scattered)
    for i, pfn in enumerate(scattered):
        assert m.vmalloc_to_pfn(v + i * PAGE) == pfn
        m.write(v + i * PAGE, b"vm%d" % i)
        assert m.read(m.page_address(pfn), 3) == b"vm%d" % i
    (area,) = m.vmallocinfo()
    assert area["kind"] == "vmap" and area["pages"] == 0 and area["size"] == 4 * PAGE
    with pytest.raises(CorruptionError, match="vunmap"):
        m.vfree(v)
    m.vunmap(v)
    assert m.read(m.page_address(scattered[0]), 3) == b"vm0"   # pages untouched
    for pfn in pfns:
        m.free_pages(pfn)
    with pytest.raises(CorruptionError, match="not allocated"):
        m.vmap([pfns[0]])


def test_vmallocinfo_format(machine):
    m = machine
    a = [m.vmalloc((i + 1) * PAGE) for i in range(5)]
    pfns = [m.alloc_pages(0), m.alloc_pages(0)]
    b = m.vmap(pfns)
    m.vfree(a[1])
    lines = m.text("vmallocinfo").splitlines()
    busy = [l for l in lines if "unpurged" not in l]
    assert len(busy) == 5 and all(LINE.match(l) for l in busy), lines
    assert [l for l in lines if "unpurged" in l] == [lines[-1]]
    assert UNPURGED.match(lines[-1])
    starts = [int(l[2:18], 16) for l in busy]
    assert starts == sorted(starts)
    assert "pages=3 vmalloc N0=3" in lines[1]
    rep = m.report()["vmalloc"]
    assert rep["vmalloc_areas"] == 4 and rep["vmap_areas"] == 1 and rep["lazy_areas"] == 1
    assert rep["vmalloc_pages"] == 1 + 3 + 4 + 5 and rep["vmap_pages"] == 2
    assert rep["lazy_pages"] == 3 and rep["total"] == 4 << 30
    for x in a[:1] + a[2:]:
        m.vfree(x)
    m.vunmap(b)
    for p in pfns:
        m.free_pages(p)
    m.vm_unmap_aliases()
    rep = m.report()["vmalloc"]
    assert rep["areas"] == 0 and rep["free_areas"] == 1 and rep["purges"] >= 1


def _faults(addr):
    """Does reading addr fault?  Tried in a forked child."""
    import ctypes
    import faulthandler
    pid = os.fork()
    if pid == 0:
        try:
            faulthandler.disable()             # the fault is expected: no dump
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            ctypes.string_at(addr, 1)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return os.WTERMSIG(status) in (signal.SIGSEGV, signal.SIGBUS)
    return os.WEXITSTATUS(status) != 0          # ASan's SEGV report exits 1


def test_guard_and_freed_fault(small_machine):
    m = small_machine
    v = m.vmalloc(2 * PAGE)
    assert not _faults(v + PAGE)
    assert _faults(v + 2 * PAGE)               # guard page
    m.vfree(v)
    assert _faults(v)                          # freed: inaccessible at once


def test_two_threads(small_machine):
    m = small_machine
    errors = []

    def work(cpu):
        try:
            live = []
            for i in range(300):
                if len(live) < 20:
                    a = m.vmalloc((i % 17 + 1) * PAGE, cpu=cpu)
                    m.write(a, bytes([cpu + 1]) * 64)
                    live.append(a)
                else:
                    a = live.pop(i % len(live))
                    assert m.read(a, 64) == bytes([cpu + 1]) * 64
                    m.vfree(a, cpu=cpu)
            for a in live:
                m.vfree(a, cpu=cpu)
        except Exception as e:          # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(c,)) for c in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert m.vmallocinfo() == []


def test_pages_come_from_the_bulk_allocator():
    """vm_area_alloc_pages() of 6.18: order-0 pages from alloc_pages_bulk,
    100 a call, off the CPU's list, which its refills keep in PFN order -
    a 1 MiB area is 256 contiguous frames, mapped with one mmap;
    vmalloc_pages=blocks asks for a high-order block instead."""
    for blocks in (False, True):
        with Machine(cpus=2, vmalloc_pages="blocks" if blocks else "bulk") as m:
            before = m.vmstat()
            v = m.vmalloc(1 << 20)
            rep = m.report()["vmalloc"]
            assert (rep["high_order_blocks"] > 0) == blocks
            assert rep["mmaps"] == 1
            pfns = [m.vmalloc_to_pfn(v + i * 4096) for i in range(256)]
            assert pfns == list(range(pfns[0], pfns[0] + 256))
            refills = m.vmstat()["pcp_refill_pages"] - before["pcp_refill_pages"]
            assert (refills == 0) == blocks           # bulk: 63+126+252 > 256
            m.vfree(v)
            m.validate()


def test_reused_frames_go_back_in_pfn_order():
    """vfree gives the frames back to the CPU's list in area order, so the
    LIFO list hands them out again highest first; the area puts them in PFN
    order, so the second 64 KiB area is again one run (one mapping, or the
    freed area's mapping revived) instead of 15 single-page mappings."""
    with Machine(cpus=1) as m:
        v = m.vmalloc(64 << 10)
        first = [m.vmalloc_to_pfn(v + i * 4096) for i in range(15)]
        m.vfree(v)
        before = m.report()["vmalloc"]["mmaps"]
        w = m.vmalloc(64 << 10)
        again = [m.vmalloc_to_pfn(w + i * 4096) for i in range(15)]
        assert sorted(again) == sorted(first)
        assert again == list(range(again[0], again[0] + 15))
        assert m.report()["vmalloc"]["mmaps"] - before <= 1
        m.vfree(w)
        m.validate()
