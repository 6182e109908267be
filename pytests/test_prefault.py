# SPDX-License-Identifier: GPL-2.0-only
"""prefault= from Python: when simulated RAM is populated on the host.

none (the default) populates nothing ahead of use; pageblock populates a
pageblock the first time the buddy hands out a page of it (exactly the
distinct pageblocks of the pages handed out, with pcp=off); boot populates
everything at creation and refuses a machine larger than the host has
available.  Residency is read with mincore() on the direct map.
"""
import ctypes
import mmap

import pytest

from libmm import Machine

LIBC = ctypes.CDLL(None, use_errno=True)
SMALL = dict(cpus=2, DMA="0", DMA32="0", NORMAL="32M")


def resident(m, first_pfn, n):
    """Pages of [first_pfn, first_pfn + n) present in the memfd."""
    vec = (ctypes.c_ubyte * n)()
    addr = m.page_address(first_pfn)
    rc = LIBC.mincore(ctypes.c_void_p(addr), ctypes.c_size_t(n * mmap.PAGESIZE), vec)
    assert rc == 0, ctypes.get_errno()
    return sum(b & 1 for b in vec)


def nr_pages(m):
    return sum(z["spanned"] for z in m.zones)


def test_default_is_none():
    with Machine(**SMALL) as m:
        pfn = m.alloc_pages(order=2)
        assert resident(m, pfn, 4) == 0
        assert m.prefault_info() == dict(mode="none", pageblocks=0, bytes=0, ns=0, minflt=0)
        assert "prefault" not in m.config
        assert m.report()["machine"]["prefault"] == {"mode": "none", "pageblocks": 0,
                                                      "bytes": 0}
        m.free_pages(pfn, order=2)


def test_pageblock_populates_exactly_the_pageblocks_handed_out():
    with Machine(pcp="off", prefault="pageblock", **SMALL) as m:
        assert "prefault=pageblock" in m.config
        assert resident(m, 0, nr_pages(m)) == 0
        pfns = [m.alloc_pages(order=o, cpu=1) for o in (0, 0, 3, 9, 0, 10)]
        blocks = set()
        for pfn, o in zip(pfns, (0, 0, 3, 9, 0, 10)):
            blocks.update(range(pfn >> 9, ((pfn + (1 << o) - 1) >> 9) + 1))
        info = m.prefault_info()
        assert info["pageblocks"] == len(blocks) and info["bytes"] == len(blocks) << 21
        assert info["ns"] > 0 and info["minflt"] >= 512 * len(blocks)
        assert m.prefault_info(cpu=1)["pageblocks"] == len(blocks)
        assert m.prefault_info(cpu=0)["pageblocks"] == 0
        assert resident(m, 0, nr_pages(m)) == 512 * len(blocks)
        for b in blocks:
            assert resident(m, b << 9, 512) == 512
        assert m.report()["machine"]["prefault"]["pageblocks"] == len(blocks)
        m.validate()
        for pfn, o in zip(pfns, (0, 0, 3, 9, 0, 10)):
            m.free_pages(pfn, order=o, cpu=1)
        again = m.alloc_pages(order=10)                 # populated already
        assert m.prefault_info()["pageblocks"] == len(blocks)
        m.free_pages(again, order=10)


def test_slab_and_vmalloc_pages_are_populated_too():
    with Machine(prefault="pageblock", **SMALL) as m:
        a = m.kmalloc(100)
        v = m.vmalloc(64 << 10)
        m.write(v, b"x" * 100)
        assert m.prefault_info()["pageblocks"] >= 1
        assert resident(m, m.pfn_of(a), 1) == 1
        assert resident(m, m.vmalloc_to_pfn(v), 1) == 1
        m.kfree(a)
        m.vfree(v)
        m.validate()


def test_boot_populates_everything():
    with Machine(cpus=1, DMA="0", DMA32="16M", NORMAL="16M", prefault="boot") as m:
        n = nr_pages(m)
        assert resident(m, 0, n) == n
        info = m.prefault_info()
        assert info["mode"] == "boot" and info["bytes"] == n * 4096
        assert info["pageblocks"] == n // 512 and m.prefault_info(cpu=0)["pageblocks"] == 0


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) << 10
    pytest.skip("no MemAvailable")


def test_boot_larger_than_the_host_is_refused():
    too_big = ((mem_available() >> 30) + 2)
    with pytest.raises(ValueError, match="more than the host has available"):
        Machine(cpus=1, NORMAL="%dG" % too_big, prefault="boot")


@pytest.mark.parametrize("kw,needle", [
    (dict(prefault="always"), "expected none, pageblock or boot"),
    (dict(prefault="boot", backing="none"), "backing=none has no memory to populate"),
    (dict(prefault="pageblock", backing="none"), "backing=none has no memory to populate"),
])
def test_bad_prefault_configs(kw, needle):
    with pytest.raises(ValueError, match=needle):
        Machine(**kw)


def test_prefault_info_bad_cpu():
    with Machine(**SMALL) as m:
        with pytest.raises(ValueError):
            m.prefault_info(cpu=2)



def test_pageblock_populates_a_block_direct_compaction_captures():
    """A block compaction_capture() takes in __free_one_page() leaves the
    lists without expand(); it is populated too.  With max_page_order=11
    (the merge loop captures below the top order only, as in the kernel)
    six order-10 blocks each
    get one process page in their lower pageblock A (the lowest pages are
    expand()'s) while their upper pageblock B is isolated, so nothing is
    ever handed out of B: A fills up, then all but one of its pages are
    unmapped; the two other order-10 blocks go to GFP_KERNEL; B,
    un-isolated, is a free order-9 block never populated.  An order-10 movable
    allocation then compacts (6138 free pages > min + compact_gap 2048,
    fragmentation index 884 > extfrag_threshold 500): the migration scanner
    moves the lowest A's page out, A's free order-9 block merges with B's
    and the order-10 block is captured - with B populated before it is
    handed out, as validate() checks."""
    with Machine(pcp="off", prefault="pageblock", max_page_order=11, **SMALL) as m:
        p = m.process()
        addr, pairs = 0, []
        for _ in range(6):
            p.fault(addr)
            a = p.pfn(addr) >> 9
            assert a % 2 == 0 and resident(m, (a + 1) << 9, 512) == 0
            m.start_isolate_page_range((a + 1) << 9, (a + 2) << 9)
            pairs.append((a, addr))
            for i in range(1, 512):
                p.fault(addr + (i << 12))
            addr += 2 << 20
        for a, base in pairs:
            p.unmap(base + 4096, 511 << 12)
        kernel = [m.alloc_pages(order=10) for _ in range(2)]
        assert None not in kernel
        for a, _ in pairs:
            m.undo_isolate_page_range((a + 1) << 9, (a + 2) << 9)
        assert all(resident(m, (a + 1) << 9, 512) == 0 for a, _ in pairs)
        pfn = m.alloc_pages(order=10, gfp="GFP_HIGHUSER_MOVABLE")
        assert pfn is not None and m.vmstat_read("compact_success") == 1
        assert (pfn >> 9) + 1 in {a + 1 for a, _ in pairs}
        m.validate()
        assert resident(m, pfn, 1024) == 1024
        m.free_pages(pfn, order=10)
        for k in kernel:
            m.free_pages(k, order=10)
        p.close()


def test_pageblock_compaction_targets_are_populated_already():
    """Compaction's free scanner takes its targets off the lists without
    expand() (__isolate_free_page, which populates like expand()), but
    suitable_migration_target() passes wholly free pageblocks by: every
    pageblock it takes from had a page handed out, so compaction never
    populates.  A process faults 1024 pages (2 pageblocks) and unmaps every
    other one; compact_memory migrates pages, the populated pageblocks stay
    2, every folio is in a resident pageblock and validate() holds."""
    with Machine(pcp="off", prefault="pageblock", **SMALL) as m:
        p = m.process()
        for i in range(1024):
            p.fault(i << 12)
        for i in range(0, 1024, 2):
            p.unmap(i << 12, 4096)
        assert m.prefault_info()["pageblocks"] == 2
        m.compact_memory()
        assert m.vmstat_read("pgmigrate_success") > 0
        assert m.prefault_info()["pageblocks"] == 2
        for b in {pfn >> 9 for _, pfn, _, _ in p.folios()}:
            assert resident(m, b << 9, 512) == 512
        m.validate()
        p.close()
