# SPDX-License-Identifier: GPL-2.0-only
"""mmbench and movable memory: the fault/unmap/pin/unpin/compact operations,
perf traces' user pages replayed as process faults, and the replayer as the
owner of the movable pages it allocates."""
import lzma
import os

import pytest

from libmm import GFP
from libmm.gfp import to_gfp
from mmbench_util import TRACES, dump_ops, run, run_json, write

# pcp=off: frees reach the buddy at once - 6.18's auto-tuned per-CPU high
# (up to managed / 8 = 1024 pages here) would keep the holes these
# workloads make on CPU 0's list, out of compaction's reach
# (test_compaction.py drains instead)
FRAG_MACHINE = "machine cpus=1 DMA=0 DMA32=0 NORMAL=32M min_free_kbytes=128 pcp=off\n"


def half_unmapped(n):
    """Processes a and b fault n pages each, alternately; a unmaps all of
    its own: every other page of the faulted memory is free."""
    return FRAG_MACHINE + """
repeat %d {
  fault a ${i}M
  fault b ${i}M
}
repeat %d {
  unmap a ${i}M 4K
}
""" % (n, n)


def test_process_ops_and_compaction_in_the_json(tmp_path):
    w = write(tmp_path, half_unmapped(1024) + """pin b 0
unpin b 0
pin b 0 longterm
unpin b 0
fault c 2M 9
compact
compact 0
alloc_pages t 9 GFP_TRANSHUGE_LIGHT
""")
    d = run_json(tmp_path, w, "--validate")
    ops = d["ops"]
    assert ops["fault"]["count"] == 2049 and ops["fault"]["failed"] == 0
    assert ops["unmap"]["count"] == 1024 and ops["pin"]["count"] == 2
    assert ops["unpin"]["count"] == 2 and ops["compact"]["count"] == 2
    assert d["vmstat"]["pgmigrate_success"] > 0
    assert d["vmstat"]["thp_fault_alloc"] == 1
    (z,) = d["compaction"]
    assert z["zone"] == "NORMAL" and z["runs"] == 2
    last = d["timeline"][-1]["compaction"]
    assert last["pgmigrate_success"] == d["vmstat"]["pgmigrate_success"]
    assert ops["alloc_pages"]["failed"] == 0


def test_refused_process_ops_count_as_failed(tmp_path):
    w = write(tmp_path, FRAG_MACHINE + """
fault a 0
fault a 0
pin a 0
unmap a 0 4K
unpin a 4K
""")
    d = run_json(tmp_path, w, "--validate")
    assert d["ops"]["fault"]["failed"] == 1      # EEXIST
    assert d["ops"]["unmap"]["failed"] == 1      # pinned
    assert d["ops"]["unpin"]["failed"] == 1      # nothing mapped


@pytest.mark.parametrize("line, msg", [
    ("fault a 0x800", "not aligned to 4096"),
    ("fault a 4K 1", "not aligned to 8192"),
    ("fault a 0 16", "bad order"),
    ("unmap z 0 4K", "has not faulted a page yet"),
    ("unmap a 0 6K", "not a non-zero number of pages"),
    ("pin a 0 shortterm", "expected 'longterm'"),
    ("compact 99", "bad node"),
    ("unpin a", "expected PROCESS ADDR"),
])
def test_parse_errors(tmp_path, line, msg):
    w = write(tmp_path, "fault a 0\n" + line + "\n")
    p = run("run", w, "--quiet", check=1)
    assert ":2: " in p.stderr and msg in p.stderr


def test_replay_movable_allocations_are_migrated_by_compaction(tmp_path):
    """alloc_pages with __GFP_MOVABLE: the replayer registered the pages as
    its own movable pages, so compaction moves them and the later frees
    free the new frames (validate clean, nothing refused)."""
    # keep one page in 8: free the others, then compact, then free the rest
    body = [FRAG_MACHINE]
    body += ["alloc_pages p%d 0 GFP_HIGHUSER_MOVABLE\n" % i for i in range(8000)]
    body += ["free_pages p%d\n" % i for i in range(8000) if i % 8]
    body += ["compact\n", "alloc_pages huge 9 GFP_TRANSHUGE_LIGHT\n", "free_pages huge\n"]
    body += ["free_pages p%d\n" % i for i in range(0, 8000, 8)]
    w = write(tmp_path, "".join(body))
    d = run_json(tmp_path, w, "--validate")
    assert d["vmstat"]["pgmigrate_success"] > 0
    assert d["ops"]["alloc_pages"]["failed"] == 0
    assert d["ops"]["free_pages"]["failed"] == 0 and d["ops"]["free_pages"]["skipped"] == 0
    assert d["zones"][2]["free"] + sum(p["count"] for p in d["pcp"]) == d["zones"][2]["managed"]


@pytest.mark.parametrize("machine, args", [("cpus=2", ("--threads",)),
                                           ("cpus=1 kcompactd=thread", ())])
def test_concurrent_replays_leave_movable_pages_unmovable(tmp_path, machine, args):
    """The replayer owns its movable pages only when nothing else can
    migrate them while it reads its handle table: not with --threads, nor
    with kcompactd on a thread of its own."""
    body = [FRAG_MACHINE.replace("cpus=1", machine)]
    body += ["alloc_pages p%d 0 GFP_HIGHUSER_MOVABLE\n" % i for i in range(512)]
    body += ["compact\n"]
    body += ["free_pages p%d\n" % i for i in range(512)]
    w = write(tmp_path, "".join(body))
    d = run_json(tmp_path, w, "--validate", *args)
    assert d["vmstat"]["pgmigrate_success"] == 0
    assert d["ops"]["free_pages"]["failed"] == 0


def test_perf_user_pages_are_process_faults(tmp_path):
    path = tmp_path / "fe.perf"
    with lzma.open(os.path.join(TRACES, "kernel_fork_exec.perf.xz"), "rt") as f:
        text = f.read()
    path.write_text(text)
    movable_hardwall = int(GFP.__GFP_MOVABLE) | int(GFP.__GFP_HARDWALL)
    user = 0
    for line in text.splitlines():
        if "mm_page_alloc:" in line and "page=(nil)" not in line:
            gfp = to_gfp(line.split("gfp_flags=")[1].split()[0])
            user += (gfp & movable_hardwall) == movable_hardwall
    d = run_json(tmp_path, path, "--format", "perf", "--validate")
    assert d["ops"]["fault"]["count"] == user
    assert d["ops"]["fault"]["failed"] == 0
    assert d["ops"]["unmap"]["failed"] == 0
    # the trace's processes are the kernel's PIDs; compaction can move them
    assert "alloc_pages" in d["ops"]


def test_compaction_plot(tmp_path):
    pytest.importorskip("matplotlib")
    from libmm import plot
    w = write(tmp_path, FRAG_MACHINE + "repeat 2048 {\n  fault a ${i}M\n}\n"
              "repeat 2048 {\n  unmap a ${i}M 4K\n}\nrepeat 8 {\n  fault b ${i}M\n}\ncompact\n")
    d = run_json(tmp_path, w)
    path = plot.plot_compaction(d, str(tmp_path / "c.png"))
    assert path and os.path.getsize(path) > 1000
    d["timeline"][-1]["compaction"] = {k: 0 for k in d["timeline"][-1]["compaction"]}
    assert plot.plot_compaction(d, str(tmp_path / "none.png")) is None


def test_tick_drives_kcompactd(tmp_path):
    """--tick N runs the vmstat tick, and kcompactd with it (kcompactd=tick):
    two processes fault 8128 of the 8192 pages alternately and one unmaps
    all of its own, so every pageblock is half full and no order-9 block is
    free (the node's fragmentation score is 100, above the proactive high
    mark min(100 - 20, 5) + 10 = 15).  With a tick every 6096 operations
    the first comes halfway through the faults (the free memory still in
    large blocks, the score under the high mark: nothing to do),
    the second after the last unmap: kcompactd's proactive compaction
    (proactive_compact_node; compact_daemon_wake counts only
    kcompactd_do_work's requested runs) empties pageblocks, and the THP at
    the end finds a free order-9 block.  Without --tick kcompactd never
    runs and the THP fails."""
    w = write(tmp_path, half_unmapped(4064) +
              "alloc_pages t 9 GFP_TRANSHUGE_LIGHT|__GFP_NOWARN\n")
    still = run_json(tmp_path, w, "--validate", name="still.json")
    assert still["vmstat"]["compact_daemon_migrate_scanned"] == 0
    assert still["ops"]["fault"]["failed"] == 0
    assert still["ops"]["alloc_pages"]["failed"] == 1
    assert still["compaction"][0]["fragmentation_score"] == 100
    d = run_json(tmp_path, w, "--tick", "6096", "--validate")
    assert d["tick_every"] == 6096 and d["validate"] == "ok"
    v = d["vmstat"]
    assert v["compact_daemon_wake"] == 0 and v["compact_stall"] == 0
    assert v["compact_daemon_migrate_scanned"] > 0
    assert v["pgmigrate_success"] > 0
    assert d["compaction"][0]["runs"] == 1
    assert d["compaction"][0]["fragmentation_score"] < 100
    assert d["ops"]["alloc_pages"]["failed"] == 0


def perf_line(pid, cpu, event, fields):
    return "%16s %5d [%03d]  100.000000: %30s: %s\n" % ("a.out", pid, cpu, "kmem:" + event,
                                                        fields)


def user_page_trace(steps):
    """PIDs 7 (CPU 0) and 8 (CPU 1) fault and free user pages, at most
    three live each; every 50th step an order-2 folio too."""
    out, alloc = [], "page=0x{0:x} pfn=0x{0:x} order={1} migratetype=1 " \
                     "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO"
    for i in range(steps):
        for pid, cpu, base in ((7, 0, 0x1000), (8, 1, 0x2000)):
            pfn = base + 4 * (i % 3)
            order = 2 if i % 50 == 0 else 0
            if i >= 3:
                prev = 2 if (i - 3) % 50 == 0 else 0
                out.append(perf_line(pid, cpu, "mm_page_free",
                                     "page=0x%x pfn=0x%x order=%d" % (pfn, pfn, prev)))
            out.append(perf_line(pid, cpu, "mm_page_alloc", alloc.format(pfn, order)))
    return "".join(out)


@pytest.mark.parametrize("args", [(), ("--buffer", "64"), ("--threads",),
                                  ("--threads", "--buffer", "64", "--runs", "2")])
def test_perf_user_addresses_are_reused(tmp_path, args):
    """A process's unmapped folios leave their addresses to its next faults
    of the same order: 6000 faults by two PIDs, never more than three
    folios live each, fit a 2M task_size (512 pages) - streamed in chunks
    of 64 operations, with --threads, with --runs, all alike."""
    path = tmp_path / "u.perf"
    path.write_text(user_page_trace(3000))
    machine = ("--machine", "cpus=2 DMA=0 DMA32=0 NORMAL=32M task_size=2M")
    d = run_json(tmp_path, path, "--validate", *machine, *args)
    assert d["import"]["user_pages"] == 6000
    assert d["ops"]["fault"]["count"] == 6000 and d["ops"]["fault"]["failed"] == 0
    assert d["ops"]["unmap"]["count"] == 5994 and d["ops"]["unmap"]["failed"] == 0
    ops, summary = dump_ops(path, *machine, *args)
    assert summary["processes"] == 2 and summary["user_pages"] == 6000
    faults = [f for _, kind, f in ops if kind == "fault"]
    if faults:                          # a stream dumps no operations
        assert max(int(f.get("size", 0)) for f in faults) < 16 << 12
        assert {f["process"] for f in faults} == {"7", "8"}


def test_process_and_cache_ops_with_threads_and_runs(tmp_path):
    """Processes and caches in --threads mode, with --runs on fresh
    machines (each run starts without processes or caches), parsed whole
    and streamed: the same counts, nothing refused, validate clean."""
    w = write(tmp_path, FRAG_MACHINE.replace("cpus=1", "cpus=2") + """
cache_create c 192
repeat 600 {
  cpu 0
  fault a ${i}M
  cache_alloc o$i c
  cpu 1
  fault b ${i}M
}
repeat 600 {
  cpu 1
  unmap a ${i}M 4K
  cache_free o$i
}
cpu 0
pin b 0 longterm
unpin b 0
compact
cache_destroy c
""")
    for args in (("--threads", "--runs", "2", "--warmup"),
                 ("--threads", "--buffer", "100", "--runs", "2"), ("--runs", "2")):
        d = run_json(tmp_path, w, "--validate", *args)
        counts = {k: (v["count"], v["failed"], v["skipped"]) for k, v in d["ops"].items()}
        assert counts["fault"] == (1200, 0, 0) and counts["unmap"] == (600, 0, 0), args
        assert counts["pin"] == counts["unpin"] == counts["compact"] == (1, 0, 0), args
        assert counts["cache_alloc"] == counts["cache_free"] == (600, 0, 0), args
        assert counts["cache_destroy"] == (1, 0, 0), args
        assert d["vmstat"]["pgmigrate_success"] > 0, args
