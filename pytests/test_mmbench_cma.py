# SPDX-License-Identifier: GPL-2.0-only
"""mmbench and contiguous memory: the cma_alloc/cma_release/contig_alloc/
contig_free operations, CMA in the summary and the timeline (utilisation,
cma_alloc outcomes), the perf importer's cma: events, and the balancing
rule as a --set A/B on one workload."""
import pytest

from mmbench_util import run, run_json, write

# one zone of 32768 pages, a 32M area (8192 pages at pfn 0), no per-CPU lists
MACHINE = "machine cpus=1 DMA=0 DMA32=0 NORMAL=128M pcp=off cma_areas=cam:32M\n"


def faults(n):
    """n user pages of process p (addresses 0x<i>000: distinct, page aligned)."""
    return "repeat %d {\n  fault p 0x${i}000\n}\n" % n


def test_ops_and_cma_in_the_json(tmp_path):
    # 24000 user pages: under the half rule the area holds some of them
    # once free CMA > half the free pages, i.e. after 32768 - 16384 = 16384
    # faults: 16385 on, every other one - (24000 - 16385 + 1) / 2 = 3808
    w = write(tmp_path, MACHINE + faults(24000) + """
cma_alloc f cam 1024
contig_alloc g 512
cma_release f
contig_free g
cma_alloc big cam 8192 9
""")
    d = run_json(tmp_path, w, "--validate")
    ops = d["ops"]
    for k in ("cma_alloc", "cma_release", "contig_alloc", "contig_free"):
        assert ops[k]["failed"] == 0, k
    assert ops["cma_alloc"]["count"] == 2
    assert d["vmstat"]["cma_alloc_success"] == 2 and d["vmstat"]["cma_alloc_fail"] == 0
    (area,) = d["cma"]
    assert area["name"] == "cam" and area["used"] == 8192 and area["count"] == 8192
    # every user page in the area was migrated out, contents and all
    assert d["vmstat"]["pgmigrate_success"] == 3808
    last = d["timeline"][-1]["cma"]
    assert last["total"] == 8192 and last["allocated"] == 8192 and last["free"] == 0
    assert last["utilisation"] == 1.0 and last["cma_alloc_success"] == 2
    # before the cma_allocs, the faults alone: movable pages in the area
    assert max(s["cma"]["movable"] for s in d["timeline"]) == 3808


def test_summary_has_the_cma_lines(tmp_path):
    w = write(tmp_path, MACHINE + "cma_alloc f cam 100\n")
    p = run("run", w, check=0)
    assert "CMA: 8192 pages in 1 areas: 8092 free, 100 held by cma_alloc, 0 used by movable " \
           "allocations; cma_alloc 1 succeeded, 0 failed" in p.stdout
    assert "area cam: 8192 pages at pfn 0, used 100, maxchunk 8092" in p.stdout


def test_failures_count_and_a_missing_area_fails_the_op(tmp_path):
    w = write(tmp_path, MACHINE + """cma_alloc a cam 8192
cma_alloc b cam 1
cma_alloc c nosuch 1
contig_alloc d 65536
cma_release b
contig_free d
""")
    d = run_json(tmp_path, w, "--validate")
    assert d["ops"]["cma_alloc"]["count"] == 3 and d["ops"]["cma_alloc"]["failed"] == 2
    assert d["ops"]["contig_alloc"]["failed"] == 1
    assert d["ops"]["cma_release"]["skipped"] == 1 and d["ops"]["contig_free"]["skipped"] == 1
    assert d["vmstat"]["cma_alloc_fail"] == 1          # "nosuch" is refused, not counted


@pytest.mark.parametrize("line, msg", [
    ("cma_alloc f cam", "expected HANDLE AREA PAGES [ALIGN]"),
    ("cma_alloc f cam 0", "bad number of pages"),
    ("cma_alloc f cam 4 99", "bad alignment order"),
    ("cma_release nope", "was never allocated"),
    ("contig_free f", "was never allocated"),
    ("contig_alloc g 8 GFP_NOPE", "bad GFP"),
])
def test_parse_errors(tmp_path, line, msg):
    w = write(tmp_path, "alloc_pages x 0\n" + line + "\n")
    p = run("run", w, "--quiet", check=1)
    assert ":2: " in p.stderr and msg in p.stderr


def test_wrong_kind_of_free(tmp_path):
    w = write(tmp_path, "cma_alloc f cam 4\ncontig_free f\n")
    p = run("run", w, "--quiet", check=1)
    assert "holds CMA pages (cma_alloc)" in p.stderr


PERF = """# perf script
  camera  1200 [000]   100.000001: cma:cma_alloc_start: name=cam count=1024 align=8
  camera  1200 [000]   100.000100: cma:cma_alloc_finish: name=cam pfn=0x10000 page=0000000012345678 count=1024 align=8 errorno=0
  camera  1200 [000]   100.000150: cma:cma_alloc_busy_retry: name=cam pfn=0x10400 page=0000000012345678 count=4096 align=8
  camera  1200 [001]   100.000200: cma:cma_alloc_finish: name=cam pfn=0x0 page=0000000000000000 count=4096 align=8 errorno=-16
  camera  1200 [000]   100.000400: cma:cma_release: name=cam pfn=0x10000 page=0000000012345678 count=1024
  camera  1200 [000]   100.000500: cma:cma_release: name=cam pfn=0x30000 page=0000000012345678 count=16
"""


def test_perf_cma_events(tmp_path):
    t = write(tmp_path, PERF, name="t.perf")
    d = run_json(tmp_path, t, "--machine", "cpus=2 NORMAL=128M cma_areas=cam:32M", "--validate")
    assert d["ops"]["cma_alloc"]["count"] == 1 and d["ops"]["cma_alloc"]["failed"] == 0
    assert d["ops"]["cma_release"]["count"] == 1
    imp = d["import"] if "import" in d else d["trace"]
    assert imp["skipped_free"] == 1                 # released before the trace
    assert imp["ignored"] == 3                      # start, busy_retry, the failed finish


def test_balancing_rule_ab_on_one_workload(tmp_path):
    """--machine "... cma_balance=": the same faults leave 3808 pages in
    the area under half (6.18), none under fallback; the cma_alloc that
    follows migrates them - or nothing."""
    w = write(tmp_path, faults(24000) + "cma_alloc f cam 8192\n")
    config = MACHINE.split(None, 1)[1].strip() + " cma_balance="
    half = run_json(tmp_path, w, "--machine", config + "half", name="h.json")
    fallback = run_json(tmp_path, w, "--machine", config + "fallback", name="f.json")
    assert half["vmstat"]["pgmigrate_success"] == 3808
    assert fallback["vmstat"]["pgmigrate_success"] == 0
    assert half["ops"]["cma_alloc"]["failed"] == fallback["ops"]["cma_alloc"]["failed"] == 0


def test_balancing_rule_with_set(tmp_path):
    """mmbench run --set cma_balance=fallback on a workload whose machine
    line has the area: the same numbers as the --machine A/B."""
    w = write(tmp_path, MACHINE + faults(24000) + "cma_alloc f cam 8192\n")
    half = run_json(tmp_path, w, name="h.json")
    fallback = run_json(tmp_path, w, "--set", "cma_balance=fallback", name="f.json")
    assert fallback["config"].endswith("cma_areas=cam:32M cma_balance=fallback")
    assert "cma_balance" not in half["config"]
    assert half["vmstat"]["pgmigrate_success"] == 3808
    assert fallback["vmstat"]["pgmigrate_success"] == 0
