# SPDX-License-Identifier: GPL-2.0-only
"""What the host does under a replay, and what mmbench says about it:
simulated RAM is populated a pageblock at a time out of the timings
(prefault=pageblock is mmbench's default), host page faults inside the
timed operations are counted (minflt/majflt) with their estimated share of
the replay, peak RSS and live requested bytes are reported for every
backend, and a long run shows its progress on stderr.
"""
import os

import pytest

from mmbench_util import TRACES, WORKLOADS, check_result, run, run_json, write

PERF = os.path.join(TRACES, "kernel_fork_exec.perf.xz")
DEFAULT = os.path.join(WORKLOADS, "default.mmw")
RELEASE = os.environ.get("LIBMM_VARIANT", "release") == "release"


def test_default_machine_prefaults_pageblocks(tmp_path):
    doc = run_json(tmp_path, PERF)
    assert "prefault=pageblock" in doc["machine_config"].split()
    assert doc["machine"]["prefault"]["mode"] == "pageblock"
    h = doc["host"]
    assert h["prefault_pageblocks"] == doc["machine"]["prefault"]["pageblocks"] > 0
    assert h["prefault_minflt"] >= 512 * h["prefault_pageblocks"]
    assert h["prefault_s"] > 0


def test_prefault_takes_host_faults_out_of_the_timed_operations(tmp_path):
    """The kernel trace zeroes ~2700 fresh pages: with prefault=none each is
    a host fault inside an operation; with mmbench's default almost none."""
    none = run_json(tmp_path, PERF, "--machine", "prefault=none", name="none.json")
    pb = run_json(tmp_path, PERF, name="pb.json")
    assert "prefault" not in none["machine_config"]
    assert none["host"]["minflt"] > 2000 and none["host"]["prefault_pageblocks"] == 0
    if RELEASE:         # ASan's shadow memory faults on its own
        assert pb["host"]["minflt"] < none["host"]["minflt"] // 20
    assert none["host"]["fault_s"] > 0 and none["host"]["ns_per_fault"] > 0
    # the same operations and outcomes either way
    assert {k: v["count"] for k, v in none["ops"].items()} == \
        {k: v["count"] for k, v in pb["ops"].items()}


def test_boot_prefault_from_mmbench(tmp_path):
    w = write(tmp_path, "machine cpus=1 DMA=0 DMA32=0 NORMAL=32M prefault=boot\n"
                        "alloc_pages p 3 GFP_KERNEL|__GFP_ZERO\nfree_pages p\n")
    doc = run_json(tmp_path, w)
    assert doc["machine"]["prefault"] == {"mode": "boot", "pageblocks": 16, "bytes": 32 << 20}
    assert doc["host"]["prefault_pageblocks"] == 0          # all done before the replay
    w = write(tmp_path, "machine NORMAL=15T prefault=boot\nkmalloc a 8\n", "big.mmw")
    p = run("run", w)
    assert p.returncode == 1 and "more than the host has available" in p.stderr


def test_backing_none_gets_no_prefault(tmp_path):
    w = write(tmp_path, "machine cpus=1 NORMAL=64M backing=none\nalloc_pages p 0\n")
    doc = run_json(tmp_path, w)
    assert "prefault" not in doc["machine_config"] and doc["host"]["prefault_pageblocks"] == 0


def test_memory_for_every_backend(tmp_path):
    lm = run_json(tmp_path, DEFAULT, name="libmm.json")
    gl = run_json(tmp_path, DEFAULT, "--backend", "malloc", name="glibc.json")
    assert check_result(lm) is None and check_result(gl) is None
    # live requested bytes follow from the stream: the same for both
    assert lm["memory"]["live_bytes_peak"] == gl["memory"]["live_bytes_peak"] > 1 << 20
    assert lm["memory"]["live_bytes_end"] == gl["memory"]["live_bytes_end"]
    assert [s["live_bytes"] for s in lm["timeline"]] == [s["live_bytes"] for s in gl["timeline"]]
    for d in (lm, gl):
        assert d["host"]["rss_peak_kib"] > 0 and d["memory"]["host_rss_peak_kib"] > 0
        assert all(s["host_rss_kib"] > 0 for s in d["timeline"])
    m = lm["memory"]
    assert m["used_pages_peak"] * 4096 >= m["live_bytes_peak"] // 2
    assert m["slab_pages_peak"] > 0 and m["pcp_pages_peak"] > 0
    assert "slab_pages" in lm["timeline"][1] and "slab_pages" not in gl["timeline"][1]
    managed = sum(z["managed"] for z in lm["zones"])
    assert all(s["slab_pages"] <= managed for s in lm["timeline"])


def test_summary_names_faults_and_memory(tmp_path):
    out = run("run", PERF, "--machine", "prefault=none", check=0).stdout
    assert "host: " in out and "page faults inside the timed operations (~" in out
    out = run("run", PERF, check=0).stdout
    assert "prefault: " in out and "pageblocks populated" in out and "taken out of the timings" in out
    assert "memory: requested bytes live" in out and "in slabs" in out


def test_progress_lines_when_not_a_terminal(tmp_path):
    w = write(tmp_path, "repeat 300000 {\nkmalloc a 64\nkfree a\n}\n")
    p = run("run", w, "--progress", "0.000001", check=0)
    lines = p.stderr.splitlines()
    assert any(l.startswith("mmbench: parse ") and "lines/s" in l for l in lines), p.stderr
    assert any(l.startswith("mmbench: replay ") and "ETA" in l for l in lines), p.stderr
    assert "\r" not in p.stderr
    assert run("run", w, "--progress", "0.000001", "--quiet", check=0).stderr == ""
    assert run("run", w, check=0).stderr == ""                 # every 10 s by default
    assert run("run", w, "--progress", "0", check=0).stderr == ""
    p = run("run", w, "--progress", "0.000001", "--buffer", "1000", check=0)
    assert "replayed as they come" in p.stderr


@pytest.mark.parametrize("bad", ["x", "-1", ""])
def test_bad_progress(bad):
    assert run("run", DEFAULT, "--progress", bad).returncode == 2


def test_version():
    p = run("--version", check=0)
    assert p.stdout.startswith("mmbench 0.") and "git " in p.stdout and "build)" in p.stdout


def test_double_dash_ends_options(tmp_path):
    """After "--" every argument is an operand, given out once (getopt_long's
    own state would hand the first one out again); a "--" that is an option's
    value does not end the options."""
    a = tmp_path / "a.json"
    assert run("run", "--quiet", "--json", str(a), "--", DEFAULT, check=0).returncode == 0
    p = run("run", "--quiet", "--", DEFAULT, DEFAULT)
    assert p.returncode == 2 and "more than one workload" in p.stderr
    p = run("run", "--quiet", "--", "--json")        # a file named like an option
    assert p.returncode != 0 and "--json" in p.stderr and "needs a value" not in p.stderr
    assert run("run", "--quiet", "--label", "--", DEFAULT, check=0).returncode == 0
    p = run("diff", "--", str(a), str(a), check=0)
    assert p.stdout.count(str(a)) == 2


def test_memory_plot(tmp_path):
    from libmm import plot
    a = run_json(tmp_path, DEFAULT, name="a.json")
    b = run_json(tmp_path, DEFAULT, "--backend", "malloc", name="b.json")
    out = plot.plot_memory([a, b], str(tmp_path / "m.png"))
    assert out and os.path.getsize(out) > 10000
    assert plot.main([str(tmp_path / "a.json"), str(tmp_path / "b.json"), "-o",
                      str(tmp_path / "plots")]) == 0
    made = sorted(os.listdir(tmp_path / "plots"))
    assert made == ["default_buddyinfo.png", "default_fragmentation.png",
                    "default_latency_cdf.png", "default_memory.png", "default_pageblocks.png",
                    "default_timeline.png"]     # no overlay: one libmm run
