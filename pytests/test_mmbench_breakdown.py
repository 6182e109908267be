# SPDX-License-Identifier: GPL-2.0-only
"""mmbench's breakdowns: alloc_pages by order x GFP x migratetype, slab
allocations by cache with requested against allocated bytes (perf kmem
stat), failures with their reason, cross-CPU frees."""
import os

from mmbench_util import TRACES, WORKLOADS, run, run_json, write


def bd(doc):
    return doc["breakdown"]


def test_towards_oom_atomic_vs_kernel(tmp_path):
    """towards_oom: GFP_ATOMIC order-0 requests succeed below the min
    watermark (ALLOC_MIN_RESERVE) while GFP_KERNEL ones fail there; every
    alloc_pages failure is the watermark's (free order-0 blocks remain)."""
    doc = run_json(tmp_path, os.path.join(WORKLOADS, "towards_oom.mmw"))
    rows = {r["key"]: r for r in bd(doc)["page_ops"]}
    atomic = rows["order=0 GFP_ATOMIC Unmovable"]
    kernel = rows["order=0 GFP_KERNEL Unmovable"]
    assert atomic["count"] > 0 and atomic["failed"] == 0
    assert kernel["failed"] > 0
    # rows add up to the op totals
    assert sum(r["count"] for r in rows.values()) == doc["ops"]["alloc_pages"]["count"]
    assert sum(r["failed"] for r in rows.values()) == doc["ops"]["alloc_pages"]["failed"]
    fails = bd(doc)["failures"]["alloc_pages"]
    assert sum(fails.values()) == doc["ops"]["alloc_pages"]["failed"]
    assert fails["watermark"] == doc["ops"]["alloc_pages"]["failed"]
    # the summary shows the same table
    p = run("run", os.path.join(WORKLOADS, "towards_oom.mmw"), check=0)
    assert "alloc_pages by order, GFP flags and migratetype" in p.stdout
    assert "alloc_pages failures: %d watermark" % fails["watermark"] in p.stdout


def test_slab_rows_and_cross_cpu(tmp_path):
    """kmalloc goes to its kmalloc cache's row, cache_alloc to the cache's;
    requested vs allocated bytes; frees on another CPU count as ping-pong."""
    w = write(tmp_path, """machine cpus=2 NORMAL=64M
cache_create c 200
repeat 10 {
  kmalloc k$i 100
  cache_alloc o$i c
}
cpu 1
repeat 4 {
  kfree k$i
}
cpu 0
repeat 10 {
  cache_free o$i
}
""")
    doc = run_json(tmp_path, w)
    rows = {r["name"]: r for r in bd(doc)["slab_ops"]}
    k = rows["kmalloc-128"]
    assert (k["count"], k["bytes_req"], k["bytes_alloc"]) == (10, 1000, 1280)
    assert abs(k["frag_pct"] - 21.875) < 1e-9
    assert (k["free_count"], k["cross_cpu_frees"]) == (4, 4)
    c = rows["c"]
    assert (c["count"], c["free_count"], c["cross_cpu_frees"]) == (10, 10, 0)
    assert c["bytes_req"] == 2000 and c["bytes_alloc"] >= 2000
    cc = bd(doc)["cross_cpu"]
    assert cc["kfree"] == {"frees": 4, "cross_cpu": 4}
    assert cc["cache_free"] == {"frees": 10, "cross_cpu": 0}


def test_failure_reasons(tmp_path):
    """A 2 MiB zone: order 10 has no block at all (no_block); the one
    order-9 block is there but would take the zone below its min watermark
    (watermark); a GFP zone combination the kernel rejects (refused);
    fail_page_alloc (injected)."""
    w = write(tmp_path, """machine cpus=1 DMA=0 DMA32=0 NORMAL=2M max_page_order=10
alloc_pages big 10
alloc_pages big2 9
alloc_pages bad 0 __GFP_DMA|__GFP_DMA32
fault_inject fail_page_alloc probability=100 times=1 min_order=0 ignore_gfp_wait=0
alloc_pages f 0
""")
    doc = run_json(tmp_path, w)
    fails = bd(doc)["failures"]["alloc_pages"]
    assert fails["refused"] == 1
    assert fails["injected"] == 1 == doc["ops"]["alloc_pages"]["injected"]
    assert fails["no_block"] == 1 and fails["watermark"] == 1
    assert doc["ops"]["alloc_pages"]["failed"] == 3


def test_perf_trace_gfp_classes(tmp_path):
    """The kernel trace: rows by the real GFP flags, the migratetype they ask
    for; named caches from the trace."""
    doc = run_json(tmp_path, os.path.join(TRACES, "kernel_tar_usr_include.perf.xz"))
    rows = bd(doc)["page_ops"]
    mts = {r["migratetype"] for r in rows}
    # (the trace's movable user pages replay as process faults, not alloc_pages)
    assert {"Unmovable", "Reclaimable"} <= mts
    for r in rows:
        if "__GFP_MOVABLE" in r["gfp"] or "HIGHUSER_MOVABLE" in r["gfp"]:
            assert r["migratetype"] == "Movable"
        elif "__GFP_RECLAIMABLE" in r["gfp"]:
            assert r["migratetype"] == "Reclaimable"
        else:
            assert r["migratetype"] == "Unmovable"
    names = {r["name"] for r in bd(doc)["slab_ops"]}
    assert "ext4_inode_cache" in names and "kmalloc-64" in names
    total = sum(r["count"] for r in bd(doc)["slab_ops"])
    ops = doc["ops"]
    assert total == sum(ops[k]["count"] for k in ("kmalloc", "krealloc", "cache_alloc")
                        if k in ops)


def test_threads_and_malloc_have_no_breakdown(tmp_path):
    w = os.path.join(TRACES, "ls_usr_bin.mtrace.xz")
    assert run_json(tmp_path, w, "--threads")["breakdown"] is None
    assert run_json(tmp_path, w, "--backend", "malloc")["breakdown"] is None
