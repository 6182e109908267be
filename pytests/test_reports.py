# SPDX-License-Identifier: GPL-2.0-only
"""Reports in the kernel's own formats (kernel.md §7, reference/proc-6.18):
buddyinfo, pagetypeinfo, zoneinfo, vmstat, the fragmentation indices, the
JSON report, dmesg, and byte-identical determinism.

Expected text is generated in Python from the structured getters (and the
generators are checked against the captured 6.18 files), so any column,
spelling or spacing difference shows up as a diff.
"""
import re

import pytest

from libmm import MIGRATETYPES, Machine
from mmutil import (KERNEL_ZONE, buddyinfo_text, extfrag_index, index_text,
                    pagetypeinfo_text, unusable_index, zone_of)

REF = "/work/shared/reference/proc-6.18/"
BUDDY_LINE = r"^Node \d+, zone [ A-Za-z0-9]{8} ( {0,5}\d+ ){%d}$"


def fragment(m, keep_every=3):
    """Allocate order-0 pages across zones and free most of them, leaving
    scattered holders behind: fragmented free lists everywhere."""
    held = []
    for gfp in ("GFP_KERNEL|GFP_DMA", "GFP_KERNEL|GFP_DMA32", "GFP_HIGHUSER_MOVABLE"):
        held += [m.alloc_pages(gfp=gfp) for _ in range(3000)]
    for i, pfn in enumerate(held):
        if i % keep_every:
            m.free_pages(pfn)
    m.drain_pages()
    return held[::keep_every]


def test_text_generators_reproduce_the_real_files():
    lines = open(REF + "buddyinfo.txt").read().splitlines()
    assert all(re.match(BUDDY_LINE % 11, l) for l in lines)
    inv = {v: k for k, v in KERNEL_ZONE.items()}
    parsed = {}
    for line in lines:
        p = line.split()
        parsed[(int(p[1].rstrip(",")), inv[p[3]])] = [int(x) for x in p[4:]]
    assert buddyinfo_text(parsed) == open(REF + "buddyinfo.txt").read()
    pagetypes, blocks = {}, {}
    for line in open(REF + "pagetypeinfo.txt").read().splitlines():
        p = line.replace(",", " ").split()
        if ", type " in line:
            pagetypes.setdefault((int(p[1]), inv[p[3]]), {})[p[5]] = [int(x) for x in p[6:]]
        elif line.startswith("Number of blocks type"):
            block_types = p[4:]         # a kernel without CONFIG_CMA has no CMA column
        elif line.startswith("Node "):
            blocks[(int(p[1]), inv[p[3]])] = dict(zip(block_types, map(int, p[4:])))
    assert pagetypeinfo_text(9, pagetypes, blocks) == open(REF + "pagetypeinfo.txt").read()


def test_buddyinfo_text(small_machine):
    m = small_machine
    fragment(m)
    text = m.text("buddyinfo")
    assert text == buddyinfo_text(m.buddyinfo())
    assert all(re.match(BUDDY_LINE % (m.max_order + 1), l) for l in text.splitlines())


def test_buddyinfo_skips_empty_zones(machine):
    assert "Movable" not in machine.text("buddyinfo")
    assert len(machine.text("buddyinfo").splitlines()) == 3


def test_pagetypeinfo_text(small_machine):
    m = small_machine
    fragment(m)
    blocks = {(z["node"], z["name"]): z["nr_pageblocks"] for z in m.zones if z["present"]}
    assert m.text("pagetypeinfo") == pagetypeinfo_text(m.pageblock_order,
                                                       m.pagetypeinfo(), blocks)
    assert m.text("pagetypeinfo").startswith("Page block order: 9\nPages per block:  512\n\n")


def _zoneinfo_blocks(text):
    blocks = re.split(r"^(?=Node \d+, zone )", text, flags=re.M)
    return [b for b in blocks if b]


def test_zoneinfo_fields(small_machine):
    m = small_machine
    fragment(m)
    for cpu in range(2):
        m.free_pages(m.alloc_pages(cpu=cpu), cpu=cpu)   # something on the pcps
    blocks = _zoneinfo_blocks(m.text("zoneinfo"))
    assert len(blocks) == len(m.zones)                 # empty zones too
    for z, block in zip(m.zones, blocks):
        assert block.startswith("Node %d, zone %8s\n" % (z["node"], KERNEL_ZONE[z["name"]]))

        def field(name):
            return int(re.search(r"^ +%s +(\d+)$" % name, block, re.M).group(1))

        assert field("pages free") == z["free"]
        for name in ("min", "low", "high", "spanned", "present", "managed", "boost"):
            assert field(name) == z[name], name
        prot = re.search(r"^        protection: \(([\d, ]+)\)$", block, re.M).group(1)
        assert [int(x) for x in prot.split(", ")] == z["lowmem_reserve"]
        if not z["present"]:
            assert block.endswith(")\n")
            continue
        assert field("nr_free_pages") == z["free"]
        assert int(re.search(r"^  start_pfn: +(\d+)$", block, re.M).group(1)) == z["start_pfn"]
        sets = re.findall(r"^    cpu: (\d+)\n +count: +(\d+)\n +high: +(\d+)\n +batch: +(\d+)",
                          block, re.M)
        assert [int(s[0]) for s in sets] == list(range(m.nr_cpus))
        for cpu, count, high, batch in sets:
            pcp = m.pcp(int(cpu), z["node"], z["name"])
            assert (int(count), int(high), int(batch)) == \
                (pcp["count"], pcp["high"], pcp["batch"])


def test_vmstat_lines_and_counters(small_machine):
    m = small_machine
    text = m.text("vmstat")
    assert all(re.match(r"^[a-z0-9_]+ -?\d+$", l) for l in text.splitlines())
    v0 = m.vmstat()
    for name in ("nr_free_pages", "pgalloc_dma", "pgalloc_dma32", "pgalloc_normal",
                 "pgalloc_movable", "pgfree", "pgalloc_extfrag",
                 "pgalloc_extfrag_claimed", "numa_hit", "numa_local"):
        assert name in v0, name
        assert m.vmstat_read(name) == v0[name]
    assert v0["nr_free_pages"] == sum(z["free"] for z in m.zones)
    pfn = m.alloc_pages(order=2, gfp="GFP_KERNEL")
    dma = m.alloc_pages(order=3, gfp="GFP_KERNEL|GFP_DMA")
    v1 = m.vmstat()
    assert v1["pgalloc_normal"] - v0["pgalloc_normal"] == 4
    assert v1["pgalloc_dma"] - v0["pgalloc_dma"] == 8
    assert v1["numa_hit"] - v0["numa_hit"] == 2
    m.free_pages(pfn, order=2)
    m.free_pages(dma, order=3)
    v2 = m.vmstat()
    assert v2["pgfree"] - v1["pgfree"] == 12
    with pytest.raises(ValueError):
        m.vmstat_read("no_such_counter")


@pytest.mark.parametrize("name, fn, width", [("unusable_index", unusable_index, 0),
                                             ("extfrag_index", extfrag_index, 2)])
def test_fragmentation_indices(small_machine, name, fn, width):
    m = small_machine
    fragment(m)
    m.alloc_pages(order=10, gfp="GFP_KERNEL|GFP_DMA")   # DMA: no order-10 left
    want = "".join("Node %d, zone %8s " % (node, KERNEL_ZONE[zone])
                   + "".join(index_text(fn(counts, o), width)
                             for o in range(len(counts))) + "\n"
                   for (node, zone), counts in m.buddyinfo().items())
    assert m.text(name) == want
    dma = m.buddyinfo()[(0, "DMA")]
    assert fn(dma, 10) != (0 if name == "unusable_index" else -1000)


def test_index_formulas_on_hand_built_counts():
    # kernel.md §7.6 on tiny free areas: 4 order-0 blocks, nothing else
    counts = [4, 0, 0]
    assert unusable_index(counts, 0) == 0
    assert unusable_index(counts, 1) == 1000
    assert extfrag_index(counts, 0) == -1000
    # requested 2: 1000 - (1000 + 4000/2) / 4 = 250
    assert extfrag_index(counts, 1) == 250
    assert extfrag_index([0, 0, 0], 1) == 0 and unusable_index([0, 0], 0) == 1000
    assert index_text(-1000, 2) == "-1.000 " and index_text(250, 2) == " 0.250 "


def test_report_json(small_machine):
    m = small_machine
    fragment(m)
    r = m.report()
    assert isinstance(r["zones"], list)
    by_key = {(z["node"], z["zone"] if z.get("zone") in KERNEL_ZONE else z["name"]): z
              for z in r["zones"]}
    for key, counts in m.buddyinfo().items():
        z = by_key[key]
        assert z["buddyinfo"] == counts
        for field, fn in (("unusable_index", unusable_index),
                          ("extfrag_index", extfrag_index)):
            got = z[field]
            assert len(got) == len(counts)
            for o, v in enumerate(got):
                v = round(v * 1000) if isinstance(v, float) else v
                assert v == fn(counts, o), (key, field, o)
        assert z["free"] == zone_of(m, key[1])["free"]
    assert r["vmstat"]["nr_free_pages"] == m.vmstat()["nr_free_pages"]


def test_unknown_report_name(machine):
    for bad in ("buddy", "", "slabinfo ", "BUDDYINFO"):
        with pytest.raises(ValueError):
            machine.text(bad)


def test_allocation_failure_is_logged_unless_nowarn():
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="4M") as m:      # one order-10 block
        assert m.alloc_pages(order=10, gfp="GFP_KERNEL|__GFP_NOWARN") is None
        assert "page allocation failure" not in m.dmesg()
        assert m.alloc_pages(order=10) is None
        log = m.dmesg()
        assert "page allocation failure: order:10" in log
        assert "GFP_KERNEL" in log


def _workload(m):
    held = []
    for i in range(3000):
        order = (i * 7) % 5
        gfp = ("GFP_KERNEL", "GFP_HIGHUSER_MOVABLE", "GFP_ATOMIC",
               "GFP_KERNEL|__GFP_RECLAIMABLE")[i % 4]
        pfn = m.alloc_pages(order=order, gfp=gfp, cpu=i % 2)
        if pfn is not None:
            held.append((pfn, order))
        if i % 3 == 0 and held:
            p, o = held.pop((i * 13) % len(held))
            m.free_pages(p, order=o, cpu=(i + 1) % 2)


def test_same_config_same_ops_same_bytes():
    outs = []
    for _ in range(2):
        with Machine(cpus=2, DMA="16M", DMA32="64M", NORMAL="64M", seed=11) as m:
            _workload(m)
            outs.append([m.text(n) for n in ("buddyinfo", "pagetypeinfo", "zoneinfo",
                                             "vmstat", "unusable_index", "extfrag_index")]
                        + [str(m.report())])
    assert outs[0] == outs[1]


def test_zoneinfo_per_node_stats_and_6_18_fields():
    """zoneinfo_show_print() of 6.18: the node's counters once, in its first
    populated zone ("per-node stats"), nr_free_pages_blocks after
    nr_free_pages (pages in free blocks of at least a pageblock), and each
    pageset's high_min and high_max."""
    with Machine(cpus=2, nodes=2, DMA="16M", DMA32="32M", NORMAL="64M", lowzones="node0") as m:
        a = m.kmalloc(100, cpu=1)                       # a slab page on node 1
        text = m.text("zoneinfo")
        blocks = _zoneinfo_blocks(text)
        firsts = [b.split("\n")[0] for b in blocks if "\n  per-node stats\n" in b]
        assert firsts == ["Node 0, zone      DMA", "Node 1, zone   Normal"]
        node1 = next(b for b in blocks if b.startswith("Node 1, zone   Normal"))
        assert re.search(r"^      nr_slab_unreclaimable 1$", node1, re.M)
        names = re.findall(r"^      (\S+) +\d+$", node1.split("\n  pages free")[0], re.M)
        assert names[:7] == ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file",
                             "nr_active_file", "nr_unevictable", "nr_slab_reclaimable",
                             "nr_slab_unreclaimable"] and names[-1] == "nr_kernel_file_pages"
        for z, block in zip(m.zones, blocks):
            if not z["present"]:
                continue
            blk = sum(n << o for o, n in enumerate(z["nr_free"]) if o >= m.pageblock_order)
            assert re.search(r"^      nr_free_pages %d\n      nr_free_pages_blocks %d$"
                             % (z["free"], blk), block, re.M)
            for cpu, high_min, high_max in re.findall(
                    r"cpu: (\d+)\n.*\n.*\n.*\n +high_min: +(\d+)\n +high_max: +(\d+)", block):
                p = m.pcp(int(cpu), z["node"], z["name"])
                assert (int(high_min), int(high_max)) == (p["high_min"], p["high_max"])
        m.kfree(a, cpu=1)


def test_vmstat_field_order_is_the_kernels():
    """/proc/vmstat of 6.18: zone counters, NUMA events, node counters, the
    writeback thresholds, the events (pgalloc_* after pswpout), nr_unstable
    last - and libmm's own counters only after it."""
    with Machine(cpus=1) as m:
        names = [l.split()[0] for l in m.text("vmstat").splitlines()]
        assert names[:3] == ["nr_free_pages", "nr_free_pages_blocks", "nr_zone_inactive_anon"]
        assert names.index("numa_hit") < names.index("nr_inactive_anon") < \
            names.index("nr_dirty_threshold") < names.index("pgpgin")
        i = names.index("pswpout")
        assert names[i + 1:i + 6] == ["pgalloc_dma", "pgalloc_dma32", "pgalloc_normal",
                                      "pgalloc_movable", "pgalloc_device"]
        last = names.index("nr_unstable")
        assert "pgfree" in names[:last] and "compact_stall" in names[:last]
        assert {"pgalloc_extfrag", "pcp_refill", "pgalloc_retry"} <= set(names[last + 1:])
        assert len(names) == len(set(names))
        assert m.vmstat_read("compact_stall") == 0      # a kernel field libmm has no model for
