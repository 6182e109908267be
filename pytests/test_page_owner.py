# SPDX-License-Identifier: GPL-2.0-only
"""Attribution (page_owner=1): the page_owner text in the format of
/sys/kernel/debug/page_owner (the fields tools/mm/page_owner_sort reads),
/proc/allocinfo's bytes and calls per call site, the sites of the
workload language (@SITE) and of both trace importers, and nothing
recorded while it is off."""
import json
import os
import re

import pytest

from libmm import Machine
from mmbench_util import TRACES, run, run_json, write

# the record's first two lines (mm/page_owner.c print_page_owner, 6.18)
HEAD = re.compile(r"^Page allocated via order (\d+), mask (0x[0-9a-f]+)\(([^)]*)\), "
                  r"pid (-?\d+), tgid (-?\d+) \(([^)]*)\), ts (\d+) ns$")
PFN = re.compile(r"^PFN 0x([0-9a-f]+) type (\w+) Block (\d+) type (\w+) Flags 0x[0-9a-f]+\(.*\)$")
# the patterns page_owner_sort matches (tools/mm/page_owner_sort.c)
SORT_PATTERNS = [r"pid\s*([0-9]+)", r"tgid\s*([0-9]+)", r"tgid\s*[0-9]+\s*\((.*)\),\s*ts",
                 r"ts\s*([0-9]*)\s*ns", r"order\s*([0-9]*),"]


def records(text):
    """page_owner text -> list of (head match, PFN match, stack lines)."""
    out = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        lines = block.split("\n")
        h, p = HEAD.match(lines[0]), PFN.match(lines[1])
        assert h and p, lines[:2]
        assert all(l.startswith(" ") for l in lines[2:]), lines
        out.append((h, p, [l[1:] for l in lines[2:]]))
    return out


def allocinfo(text):
    lines = text.splitlines()
    assert lines[0] == "allocinfo - version: 2.0"
    assert lines[1] == "#     <size>  <calls> <tag info>"
    out = {}
    for l in lines[2:]:
        m = re.match(r"^ *(-?\d+) +(\d+) (.* func:\S*) $", l)
        assert m, repr(l)
        out[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return out


# each slab allocator's page-allocating frame and its tag
SLAB_FRAMES = {"slub": ("allocate_slab", "mm/slub.c:0 func:allocate_slab"),
               "slab": ("kmem_getpages", "mm/slab.c:0 func:kmem_getpages"),
               "slob": ("slob_new_pages", "mm/slob.c:0 func:slob_new_pages")}


@pytest.fixture(params=sorted(SLAB_FRAMES))
def slab_kind(request):
    return request.param


@pytest.fixture
def po(slab_kind):
    m = Machine(cpus=2, NORMAL="64M", DMA32="16M", DMA="16M", page_owner=1, slab=slab_kind)
    yield m
    m.validate()
    m.close()


def test_page_records_and_tags(po):
    assert po.page_owner
    pfn = po.alloc_pages(2, "GFP_KERNEL|__GFP_MOVABLE", site="net_rx")
    text = po.text("page_owner")
    (h, p, stack), = records(text)
    assert (int(h.group(1)), h.group(3)) == (2, "GFP_KERNEL|__GFP_MOVABLE")
    assert int(h.group(2), 16) == po.gfp("GFP_KERNEL|__GFP_MOVABLE")
    assert int(p.group(1), 16) == pfn and p.group(2) == "Movable"
    assert int(p.group(3)) == pfn >> 9
    assert stack == ["net_rx"]
    for pat in SORT_PATTERNS:
        assert re.search(pat, text), pat
    tags = allocinfo(po.text("allocinfo"))
    assert tags["net_rx func:net_rx"] == (4 * 4096, 1)
    po.free_pages(pfn, 2)
    assert records(po.text("page_owner")) == []
    assert allocinfo(po.text("allocinfo"))["net_rx func:net_rx"] == (0, 0)


def test_objects_default_site_is_the_python_caller(po, slab_kind):
    a = po.kmalloc(100)                 # this line is the tag
    line = test_objects_default_site_is_the_python_caller.__code__.co_firstlineno + 1
    tag = "test_page_owner.py:%d func:test_objects_default_site_is_the_python_caller" % line
    tags = allocinfo(po.text("allocinfo"))
    assert tags[tag] == (128, 1)        # kmalloc-128's slot
    # the slab's page: the slab allocator's tag, page_owner shows both frames
    frame, slab_tag = SLAB_FRAMES[slab_kind]
    assert tags[slab_tag][1] >= 1
    slab = [r for r in records(po.text("page_owner")) if r[2][0] == frame]
    assert slab and slab[0][2][1] == tag
    b = po.krealloc(a, 3000, site="grow")
    tags = allocinfo(po.text("allocinfo"))
    assert tags[tag] == (0, 0) and tags["grow func:grow"] == (4096, 1)
    po.kfree(b)
    assert allocinfo(po.text("allocinfo"))["grow func:grow"] == (0, 0)


def test_cache_vmalloc_and_large_kmalloc(po):
    c = po.kmem_cache_create("obj200", 200)
    o = c.alloc(site="dentry")
    v = po.vmalloc(10000, site="module_load")
    big = po.kmalloc(64 << 10, site="big")
    tags = allocinfo(po.text("allocinfo"))
    assert tags["dentry func:dentry"] == (c.size, 1)
    assert tags["module_load func:module_load"] == (3 * 4096, 1)
    assert tags["big func:big"] == (64 << 10, 1)
    frames = {tuple(r[2]) for r in records(po.text("page_owner"))}
    assert ("__vmalloc_area_node", "module_load") in frames
    assert ("__kmalloc_large_node_noprof", "big") in frames
    c.free(o)
    po.vfree(v)
    po.kfree(big)
    tags = allocinfo(po.text("allocinfo"))
    for t in ("dentry func:dentry", "module_load func:module_load", "big func:big"):
        assert tags[t] == (0, 0)
    c.destroy()


def test_refused_free_keeps_the_tag(po):
    from libmm import CorruptionError
    a = po.kmalloc(64, site="keep")
    with pytest.raises(CorruptionError):
        po.kfree(a + 8)                 # not an object start: refused
    assert allocinfo(po.text("allocinfo"))["keep func:keep"] == (64, 1)
    po.kfree(a)


def test_census_sees_each_allocators_slab_pages(po):
    c = po.kmem_cache_create("obj200", 200)
    objs = [c.alloc(site="dentry") for _ in range(200)]
    summary = po.report()["census"]["summary"]
    assert summary["pages"]["slab"] >= 200 * 200 // 4096
    assert allocinfo(po.text("allocinfo"))["dentry func:dentry"] == (200 * c.size, 200)
    for o in objs:
        c.free(o)
    c.destroy()


CMA_MACHINE = dict(cpus=2, DMA=0, DMA32=0, NORMAL="64M", cma="16M", page_owner=1)


def contig_records(m, frame="alloc_contig_range_noprof"):
    return {int(p.group(1), 16): (int(h.group(1)), p.group(4), stack)
            for h, p, stack in records(m.text("page_owner")) if stack[0] == frame}


def tag_of(m, frame="alloc_contig_range_noprof"):
    """The allocinfo tag of the contiguous allocations' caller."""
    (stack,) = {tuple(r[2]) for r in contig_records(m, frame).values()}
    return stack[1]


def test_cma_pages_records_tags_and_census():
    """cma_alloc's pages: one order-0 record a page (split_page after
    post_alloc_hook), counted to the caller's tag; the CMA pageblock holding
    them is mixed and counted as Movable (pagetypeinfo_showmixedcount_print
    counts a CMA block holding any allocation in the Movable column)."""
    with Machine(**CMA_MACHINE) as m:
        pfn = m.cma_alloc(None, 16)
        recs = contig_records(m)
        assert sorted(recs) == list(range(pfn, pfn + 16))
        assert {(o, bt) for o, bt, _ in recs.values()} == {(0, "CMA")}
        tags = [v for k, v in allocinfo(m.text("allocinfo")).items()
                if v == (16 * 4096, 16)]
        assert len(tags) == 1
        census = m.report()["census"]
        block = census["map"]["pfn"].index(pfn & ~511)
        assert census["map"]["type"][block] == "C"
        assert census["map"]["mixed"][block] == "1"
        assert census["summary"]["pageblocks"]["CMA"] == 8
        assert census["summary"]["mixed"]["CMA"] == 0
        assert census["summary"]["mixed"]["Movable"] >= 1
        m.cma_release(None, pfn + 4, 4)          # part of it
        assert sorted(contig_records(m)) == list(range(pfn, pfn + 4)) + list(
            range(pfn + 8, pfn + 16))
        m.cma_release(None, pfn, 4)
        m.cma_release(None, pfn + 8, 8)
        assert contig_records(m) == {}
        assert (16 * 4096, 16) not in allocinfo(m.text("allocinfo")).values()
        census = m.report()["census"]
        assert census["map"]["mixed"][block] == "0"
        m.validate()


def test_compound_contig_and_migration_keep_records():
    """A compound alloc_contig_pages: one record of its order; the movable
    page alloc_contig_range migrates out keeps its record and its tag
    (folio_copy_owner and the tags' swap)."""
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="64M", page_owner=1) as m:
        head = m.alloc_contig_pages(512, "GFP_KERNEL|__GFP_COMP")
        (o, _, stack), = contig_records(m).values()
        assert o == 9 and head in contig_records(m)
        m.free_contig_range(head, 512)
        assert contig_records(m) == {}
        p = m.process()
        pfn = p.fault(0x200000)
        before = [(h.group(1), stack) for h, q, stack in records(m.text("page_owner"))
                  if int(q.group(1), 16) == pfn]
        fault_tags = {k: v for k, v in allocinfo(m.text("allocinfo")).items() if v[0]}
        start = pfn & ~511
        assert m.alloc_contig_range(start, start + 512)
        new = p.pfn(0x200000)
        assert new != pfn
        after = [(h.group(1), stack) for h, q, stack in records(m.text("page_owner"))
                 if int(q.group(1), 16) == new]
        assert after == before
        tags = allocinfo(m.text("allocinfo"))
        for k, v in fault_tags.items():
            assert tags[k] == v, k
        m.free_contig_range(start, 512)
        p.close()
        m.validate()


def test_off_records_nothing():
    with Machine(NORMAL="64M") as m:
        assert not m.page_owner
        m.alloc_pages(0, site="ignored")
        assert m.text("allocinfo").splitlines()[2:] == []
        with pytest.raises(ValueError):
            m.text("page_owner")
        assert "sites" not in m.report()


def test_bad_site(po):
    with pytest.raises(ValueError):
        po.alloc_pages(0, site="")
    with pytest.raises(ValueError):
        po.kmalloc(8, site=42)


# ---- mmbench ------------------------------------------------------------------

def test_workload_sites(tmp_path):
    w = write(tmp_path, """machine cpus=2 NORMAL=64M page_owner=1
repeat 4 {
  alloc_pages p$i 0 @net_rx
  kmalloc k$i 100 @net_rx
}
alloc_pages q 3 @page_cache
vmalloc v 10000 @vmalloc_user
kfree k0
""")
    doc = run_json(tmp_path, w)
    sites = {s["name"]: s for s in doc["sites"]}
    assert sites["net_rx func:net_rx"] == {"name": "net_rx func:net_rx",
                                           "bytes": 4 * 4096 + 3 * 128, "calls": 7}
    assert sites["page_cache func:page_cache"]["bytes"] == 8 * 4096
    assert sites["vmalloc_user func:vmalloc_user"]["bytes"] == 3 * 4096
    # the same workload without page_owner: no sites, same results otherwise
    plain = run_json(tmp_path, w, "--machine", "cpus=2 NORMAL=64M", name="plain.json")
    assert "sites" not in plain
    assert plain["ops"]["alloc_pages"]["count"] == doc["ops"]["alloc_pages"]["count"]


def test_workload_site_errors(tmp_path):
    w = write(tmp_path, "kmalloc a 8 @\n")
    p = run("run", w, check=1)
    assert "w.mmw:1: '@' without a call site name" in p.stderr


def test_trace_sites(tmp_path):
    """mtrace callers and perf call_site= become sites; perf's page events
    have none."""
    mt = run_json(tmp_path, os.path.join(TRACES, "ls_usr_bin.mtrace.xz"), "--machine",
                  "page_owner=1", name="mt.json")
    names = [s["name"] for s in mt["sites"]]
    assert "ls:[0x1846a] func:?" in names        # mtrace's caller, no symbol
    assert sum(s["calls"] for s in mt["sites"] if s["name"].startswith("ls:")) > 1000
    pf = run_json(tmp_path, os.path.join(TRACES, "kernel_tar_usr_include.perf.xz"),
                  "--machine", "page_owner=1", name="pf.json")
    names = {s["name"]: s for s in pf["sites"]}
    assert "ext4_alloc_inode+0x1f func:ext4_alloc_inode" in names
    assert "(no call site) func:unknown" in names          # mm_page_alloc
    # the tags' calls add up to the live objects and pages
    assert sum(s["calls"] for s in pf["sites"]) > 0


def test_diff_shows_site_changes(tmp_path):
    a = write(tmp_path, "machine NORMAL=64M page_owner=1\nkmalloc a 100 @x\n", "a.mmw")
    b = write(tmp_path, "machine NORMAL=64M page_owner=1\nkmalloc a 100 @x\nkmalloc b 8 @y\n",
              "b.mmw")
    run_json(tmp_path, a, name="a.json")
    run_json(tmp_path, b, name="b.json")
    doc = json.loads(run("diff", tmp_path / "a.json", tmp_path / "b.json", "--json", "-",
                         check=0).stdout)
    rows = {(r["section"], r["path"]): r for r in doc["rows"]}
    assert rows[("sites", "y func:y.bytes")]["values"] == [None, 8]
