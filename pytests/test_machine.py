# SPDX-License-Identifier: GPL-2.0-only
"""The machine layer: config text, shape, lifetime, CPUs, memory access.

Covers the machine model (default machine, config keys and their errors, direct map,
backing=none) and the Python side of §4 (keywords, context manager,
close(), many machines in one process, per-call CPU binding).
"""
import os
import threading

import pytest

import libmm
from libmm import GFP, CPUBusyError, Machine, _lowlevel as ll
from mmutil import (SMALL_CONFIG, cpu_held_by_thread, free_total, managed_total, parse_config,
                    parse_size, pcp_total, snapshot)

MiB = 1 << 20


def test_package_exports():
    assert libmm.__version__
    for name in ("Machine", "GFP", "CorruptionError"):
        assert hasattr(libmm, name)
    assert issubclass(libmm.CorruptionError, Exception)
    assert not issubclass(libmm.CorruptionError, ValueError)


def _tls_size(path):
    """PT_TLS p_memsz of an ELF64 little-endian shared object (0: none)."""
    import struct
    with open(path, "rb") as f:
        elf = f.read()
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for i in range(phnum):
        p_type, = struct.unpack_from("<I", elf, phoff + i * phentsize)
        if p_type == 7:                         # PT_TLS
            return struct.unpack_from("<Q", elf, phoff + i * phentsize + 0x28)[0]
    return 0


def test_static_tls_is_small():
    """libmm's thread-locals are initial-exec (the fast paths read them
    without a call), so the whole block comes out of the static TLS surplus
    that every library dlopen()ed after the program started shares (glibc
    keeps about 1.6 KB for them, rtld.optional_static_tls 512 bytes of it):
    libmm keeps to a few hundred bytes and puts bigger per-thread state on
    the heap."""
    path = libmm._libmm.__file__
    assert path.endswith(".so")
    assert 0 < _tls_size(path) <= 512, path


def test_default_machine_shape(machine):
    cfg = parse_config(machine.config)
    assert (cfg["cpus"], cfg["nodes"], cfg["max_page_order"], cfg["seed"]) == \
        ("4", "1", "10", "1")
    sizes = {z: parse_size(cfg[z]) for z in ("DMA", "DMA32", "NORMAL", "MOVABLE")}
    assert sizes == {"DMA": 16 * MiB, "DMA32": 240 * MiB, "NORMAL": 768 * MiB,
                     "MOVABLE": 0}
    assert machine.nr_cpus == 4 and machine.nr_nodes == 1
    assert machine.nr_pages == (1 << 30) // 4096
    assert machine.max_order == 10 and machine.pageblock_order == 9


def test_default_zones_are_contiguous_pfn_ranges(machine):
    zones = machine.zones
    assert [z["name"] for z in zones] == ["DMA", "DMA32", "NORMAL", "MOVABLE"]
    assert [z["kernel_name"] for z in zones[:3]] == ["DMA", "DMA32", "Normal"]
    assert [z["spanned"] for z in zones] == [4096, 61440, 196608, 0]
    assert zones[0]["start_pfn"] == 0
    for lo, hi in zip(zones[:2], zones[1:3]):
        assert hi["start_pfn"] == lo["start_pfn"] + lo["spanned"]
    for z in zones[:3]:
        assert z["present"] == z["spanned"]
        assert 0 < z["managed"] <= z["present"]
        assert z["free"] == z["managed"]          # nothing allocated at boot


def test_keywords_build_the_config_text():
    with Machine(cpus=2, nodes=1, DMA="16M", DMA32="64M", NORMAL="128M",
                 seed=7) as m:
        cfg = parse_config(m.config)
        assert cfg["cpus"] == "2" and cfg["seed"] == "7"
        assert parse_size(cfg["NORMAL"]) == 128 * MiB
        assert m.nr_pages == (208 * MiB) // 4096
    with Machine("cpus=3 NORMAL=64M", DMA32=0) as m:
        assert m.nr_cpus == 3 and parse_size(parse_config(m.config)["DMA32"]) == 0
    assert libmm.build_config(lowmem_reserve_ratio=[1, 2, 3]) == \
        "lowmem_reserve_ratio=1:2:3"


def test_config_round_trips(small_machine):
    with Machine(small_machine.config) as again:
        assert again.config == small_machine.config
        assert again.zones == small_machine.zones


@pytest.mark.parametrize("kw, needle", [
    (dict(bogus_key=1), "bogus_key"),
    (dict(NORMAL="12Q"), "12Q"),
    (dict(NORMAL="-5M"), "NORMAL"),
    (dict(NORMAL="1000"), "NORMAL"),                 # not a page multiple
    (dict(DMA=0, DMA32=0, NORMAL=0, MOVABLE=0), "no memory"),
    (dict(NORMAL="1M"), "NORMAL"),                   # smaller than a pageblock
    (dict(cpus=0), "cpus"),
    (dict(cpus=257), "cpus"),
    (dict(cpus="two"), "cpus"),
    (dict(nodes=0), "nodes"),
    (dict(nodes=65), "nodes"),
    (dict(max_page_order=16), "max_page_order"),
    (dict(watermark_scale_factor=0), "watermark_scale_factor"),
    (dict(watermark_scale_factor=3001), "watermark_scale_factor"),
    (dict(min_free_kbytes=-1), "min_free_kbytes"),
    (dict(lowmem_reserve_ratio="256:256"), "lowmem_reserve_ratio"),
    (dict(backing="disk"), "backing"),
    (dict(seed="x"), "seed"),
    (dict(HIGHMEM="16M"), "HIGHMEM"),
])
def test_config_errors_name_the_culprit(kw, needle):
    with pytest.raises(ValueError) as e:
        Machine(**kw)
    assert needle in str(e.value)


def test_config_text_errors():
    with pytest.raises(ValueError, match="NORMAL"):
        Machine("cpus=2 NORMAL")
    with pytest.raises(ValueError, match="frobnicate"):
        Machine("frobnicate=1")


def test_close_is_idempotent_and_closed_machine_refuses():
    m = Machine(**SMALL_CONFIG)
    with m:
        assert not m.closed
    assert m.closed
    m.close()
    for call in (lambda: m.alloc_pages(), lambda: m.zones, lambda: m.text("vmstat"),
                 lambda: m.free_pages(0), lambda: m.validate(), lambda: m.config):
        with pytest.raises(ValueError, match="closed"):
            call()
    assert "closed" in repr(m)


def test_many_machines_are_independent():
    machines = [Machine(cpus=1, NORMAL="%dM" % (8 * (i + 1)), DMA=0, DMA32=0)
                for i in range(16)]
    try:
        before = [m.buddyinfo() for m in machines]
        pfns = [m.alloc_pages(order=i % 4) for i, m in enumerate(machines)]
        assert all(p is not None for p in pfns)
        for i, m in enumerate(machines):
            addr = m.page_address(pfns[i])
            m.write(addr, b"machine %d" % i)
        for i, m in enumerate(machines):
            assert m.read(m.page_address(pfns[i]), 10).rstrip(b"\0") == b"machine %d" % i
            assert m.nr_pages == (8 * (i + 1) * MiB) // 4096
        machines[3].close()                          # one dies, others live on
        for i, m in enumerate(machines):
            if i != 3:
                m.free_pages(pfns[i], order=i % 4)
                m.drain_pages()
                assert m.buddyinfo() == before[i]
                m.validate()
    finally:
        for m in machines:
            m.close()


def test_create_destroy_loop_leaks_nothing():
    fds = len(os.listdir("/proc/self/fd"))
    for i in range(200):
        with Machine(cpus=2, DMA=0, DMA32=0, NORMAL="32M", seed=i) as m:
            pfn = m.alloc_pages(order=i % 11)
            assert pfn is not None
            if i % 2:
                m.free_pages(pfn, order=i % 11)
    assert len(os.listdir("/proc/self/fd")) == fds


def test_direct_map_addresses(small_machine):
    m = small_machine
    pfn = m.alloc_pages(order=1)
    a0, a1 = m.page_address(pfn), m.page_address(pfn + 1)
    assert a1 - a0 == 4096
    base = m.page_address(0)
    assert a0 == base + pfn * 4096
    assert m.pfn_of(a0) == pfn and m.pfn_of(a1 + 4095) == pfn + 1
    m.write(a0 + 4090, b"across a page")
    assert m.read(a0 + 4090, 13) == b"across a page"
    m.free_pages(pfn, order=1)


def test_memory_access_bounds(small_machine):
    m = small_machine
    base, end = m.page_address(0), m.page_address(0) + m.nr_pages * 4096
    assert m.read(end - 4, 4) == bytes(4)
    for addr, n in [(base - 1, 2), (end - 1, 2), (end, 1), (base, -1)]:
        with pytest.raises(ValueError):
            m.read(addr, n)
    with pytest.raises(ValueError):
        m.write(end - 2, b"xyz")
    with pytest.raises(ValueError):
        m.pfn_of(end)


def test_page_zone_and_node_at_boundaries(small_machine):
    m = small_machine
    for z in m.zones:
        if z["spanned"]:
            first, last = z["start_pfn"], z["start_pfn"] + z["spanned"] - 1
            assert m.page_zone(first) == m.page_zone(last) == z["name"]
            assert m.page_node(first) == 0
    for bad in (m.nr_pages, m.nr_pages + 12345, -1):
        with pytest.raises(ValueError):
            m.page_zone(bad)


def test_backing_none_allocates_but_refuses_memory_access():
    with Machine(backing="none", cpus=2, DMA="16M", DMA32="4080M",
                 NORMAL="60G") as m:
        assert m.nr_pages == (64 << 30) // 4096
        pfn = m.alloc_pages(order=10, gfp="GFP_HIGHUSER_MOVABLE")
        assert pfn is not None and pfn % 1024 == 0
        with pytest.raises(ValueError, match="backing"):
            m.page_address(pfn)
        with pytest.raises(ValueError, match="backing"):
            m.read(0x1000, 8)
        with pytest.raises(ValueError, match="backing"):
            m.write(0x1000, b"x")
        m.free_pages(pfn, order=10)
        m.validate()


def test_cpu_argument(small_machine):
    m = small_machine
    for cpu in (0, 1):
        pfn = m.alloc_pages(cpu=cpu)
        m.free_pages(pfn, cpu=1 - cpu)                # cross-CPU free
    for bad in (-1, 2, 1000):
        with pytest.raises(ValueError, match="CPU"):
            m.alloc_pages(cpu=bad)
    m.drain_pages()


def test_cpu_bound_by_another_thread_is_busy(small_machine):
    m = small_machine
    with cpu_held_by_thread(m, 1):
        before = snapshot(m)
        with pytest.raises(CPUBusyError, match="CPU 1"):
            m.alloc_pages(cpu=1)
        assert snapshot(m) == before
        assert m.alloc_pages(cpu=0) is not None       # CPU 0 is still free
    assert m.alloc_pages(cpu=1) is not None


def test_threads_on_different_cpus(small_machine):
    m = small_machine
    errors = []

    def worker(cpu):
        try:
            for i in range(300):
                pfn = m.alloc_pages(order=i % 4, cpu=cpu)
                m.free_pages(pfn, order=i % 4, cpu=cpu)
        except Exception as e:                          # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(c,)) for c in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    m.validate()


def test_gfp_accepts_str_int_and_flags(small_machine):
    m = small_machine
    for gfp in ("GFP_KERNEL", GFP.GFP_KERNEL, int(GFP.GFP_KERNEL), "0xcc0"):
        pfn = m.alloc_pages(gfp=gfp)
        assert m.page_zone(pfn) == "NORMAL"
        m.free_pages(pfn)
    with pytest.raises(TypeError):
        m.alloc_pages(gfp=1.5)
    assert m.gfp("GFP_KERNEL|__GFP_ZERO") == GFP.GFP_KERNEL | GFP["__GFP_ZERO"]


def test_calls_inside_a_held_binding_keep_it(small_machine):
    """A thread that bound a CPU itself keeps it across Machine calls, also
    calls for another CPU; meanwhile drain and validate from other threads
    leave its per-CPU lists alone and stay consistent."""
    m = small_machine
    ready, go, done = threading.Event(), threading.Event(), threading.Event()
    held, errors = [], []

    def owner():
        try:
            with m.on_cpu(1):
                pfns = [m.alloc_pages(cpu=1) for _ in range(20)]
                for pfn in pfns[:10]:
                    m.free_pages(pfn, cpu=1)
                held.extend(pfns[10:])
                pfn = m.alloc_pages(cpu=0)              # visit CPU 0, come back
                m.free_pages(pfn, cpu=0)
                assert ll.lib.mm_cpu_current(m.handle) == 1
                ready.set()
                go.wait(10)
            done.set()
        except Exception as e:                          # pragma: no cover
            errors.append(e)
            ready.set()

    t = threading.Thread(target=owner)
    t.start()
    assert ready.wait(10) and not errors
    with pytest.raises(CPUBusyError):
        m.alloc_pages(cpu=1)
    assert m.pcp(1)["count"] > 0
    m.drain_pages()                                     # CPU 1 is busy: deferred
    m.validate()
    assert free_total(m) == managed_total(m) - len(held)
    go.set()
    t.join()
    assert done.is_set() and not errors
    m.drain_pages()
    assert pcp_total(m) == 0
    for pfn in held:
        m.free_pages(pfn, cpu=1)


def test_lowzones_node0_is_the_x86_layout():
    """lowzones=node0: DMA and DMA32 exist on node 0 only (the first 4 GiB of
    an x86 machine), the other nodes start at their NORMAL zone; a GFP_DMA32
    request from node 1 comes from node 0, and node 1's NORMAL zone gets no
    ALLOC_NOFRAGMENT (alloc_flags_nofragment: no DMA32 below it)."""
    with Machine(cpus=2, nodes=2, DMA="16M", DMA32="64M", NORMAL="128M",
                 lowzones="node0") as m:
        assert "lowzones=node0" in m.config
        zones = {(z["node"], z["name"]): z for z in m.zones}
        assert zones[(0, "DMA")]["present"] == 4096 and zones[(1, "DMA")]["present"] == 0
        assert zones[(1, "DMA32")]["present"] == 0
        assert zones[(1, "NORMAL")]["start_pfn"] == zones[(0, "NORMAL")]["start_pfn"] + 32768
        assert m.nr_pages == 4096 + 16384 + 2 * 32768
        pfn = m.alloc_pages(gfp="GFP_DMA32", cpu=1)
        assert (m.page_node(pfn), m.page_zone(pfn)) == (0, "DMA32")
        pfn1 = m.alloc_pages(gfp="GFP_KERNEL", cpu=1)
        assert (m.page_node(pfn1), m.page_zone(pfn1)) == (1, "NORMAL")
        assert m.page_node(m.nr_pages - 1) == 1
        m.free_pages(pfn, cpu=1)
        m.free_pages(pfn1, cpu=1)
        m.validate()
    with pytest.raises(ValueError, match="lowzones=node0: nodes 1..1 would have no memory"):
        Machine(nodes=2, NORMAL=0, lowzones="node0")
    with pytest.raises(ValueError, match="expected node0"):
        Machine(lowzones="node1")
