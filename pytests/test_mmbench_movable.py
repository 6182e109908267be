"""mmbench and movable memory: the fault/unmap/pin/unpin/compact operations,
perf traces' user pages replayed as process faults, and the replayer as the
owner of the movable pages it allocates."""
import lzma
import os

import pytest

from libmm import GFP
from libmm.gfp import to_gfp
from mmbench_util import TRACES, run, run_json, write

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


def test_threads_replay_leaves_movable_pages_unmovable(tmp_path):
    body = [FRAG_MACHINE.replace("cpus=1", "cpus=2")]
    body += ["alloc_pages p%d 0 GFP_HIGHUSER_MOVABLE\n" % i for i in range(512)]
    body += ["compact\n"]
    body += ["free_pages p%d\n" % i for i in range(512)]
    w = write(tmp_path, "".join(body))
    d = run_json(tmp_path, w, "--threads", "--validate")
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
