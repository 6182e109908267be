# SPDX-License-Identifier: GPL-2.0-only
"""mmbench's trace importers on the checked-in real traces (glibc mtrace of
real programs, `perf script` of the kernel's kmem: tracepoints): the
operation counts equal what a separate Python reading of the trace finds.
Also: every GFP name a 6.x kernel prints parses, and the edge cases of both
formats on small hand-written traces.
"""
import glob
import gzip
import lzma
import os
import re
import subprocess

import pytest

from libmm import GFP, Machine
from libmm.gfp import to_gfp
from mmbench_util import TRACES, check_result, dump_ops, run, run_json, write

MTRACES = sorted(glob.glob(os.path.join(TRACES, "*.mtrace*")))
PERFS = sorted(glob.glob(os.path.join(TRACES, "*.perf*")))


def read_text(path):
    if path.endswith(".xz"):
        return lzma.open(path, "rt").read()
    if path.endswith(".gz"):
        return gzip.open(path, "rt").read()
    return open(path).read()


def model_mtrace(text):
    """Operation counts by reading the mtrace file independently."""
    ops = dict.fromkeys(["kmalloc", "krealloc", "kfree"], 0)
    live, pending = set(), None
    stats = dict(skipped_free=0, null_free=0, failed_realloc=0)
    for line in text.splitlines():
        w = line.split()
        if not w or w[0] == "=":
            continue
        if w[0] == "@":
            k = next(i for i in range(1, len(w)) if len(w[i]) == 1)
            w = w[k:]
        op, args = w[0], [int(x, 16) for x in w[1:]]
        if op == "+":
            ops["kmalloc"] += 1
            live.add(args[0])
        elif op == "-":
            if args[0] == 0:
                stats["null_free"] += 1
            elif args[0] in live:
                live.remove(args[0])
                ops["kfree"] += 1
            else:
                stats["skipped_free"] += 1
        elif op == "<":
            pending = args[0]
        elif op == ">":
            if pending in live:
                live.remove(pending)
                ops["krealloc"] += 1
            else:
                stats["skipped_free"] += 1
                ops["kmalloc"] += 1
            live.add(args[0])
            pending = None
        elif op == "!":
            stats["failed_realloc"] += 1
    return {k: v for k, v in ops.items() if v}, stats


USER_PAGE = int(GFP.__GFP_MOVABLE) | int(GFP.__GFP_HARDWALL)
EVENT = re.compile(r"\[(\d+)\]\s+[\d.]+:\s+kmem:(\w+):\s*(.*)$")


def model_perf(text):
    ops = {}
    live = {}                          # (space, key) -> kind
    caches = set()
    stats = dict(skipped_free=0, null_free=0, batched_dup=0)

    def add(k):
        ops[k] = ops.get(k, 0) + 1

    def free(space, key):
        kind = live.pop((space, key), None)
        if kind is None:
            stats["skipped_free"] += 1
        else:
            add({"alloc_pages": "free_pages", "cache_alloc": "cache_free",
                 "fault": "unmap"}.get(kind, "kfree"))

    for line in text.splitlines():
        m = EVENT.search(line)
        if not m:
            continue
        ev, f = m.group(2), dict(kv.split("=", 1) for kv in m.group(3).split() if "=" in kv)
        nil = f.get("ptr") in ("(nil)", "0x0", "0")
        if ev in ("kmalloc", "kmalloc_node") and not nil:
            add("kmalloc")
            live[("p", int(f["ptr"], 16))] = "kmalloc"
        elif ev in ("kmem_cache_alloc", "kmem_cache_alloc_node") and not nil:
            name = f.get("name", "size-" + f["bytes_alloc"])
            if name not in caches:
                caches.add(name)
                add("cache_create")
            add("cache_alloc")
            live[("p", int(f["ptr"], 16))] = "cache_alloc"
        elif ev in ("kfree", "kmem_cache_free"):
            if nil:
                stats["null_free"] += 1
            else:
                free("p", int(f["ptr"], 16))
        elif ev == "mm_page_alloc" and f.get("page") != "(nil)":
            # a user page (movable and hardwall: anon, page cache) is a
            # process's page fault, its free an unmap
            gfp = to_gfp(f.get("gfp_flags", "GFP_KERNEL"))
            kind = "fault" if gfp & USER_PAGE == USER_PAGE else "alloc_pages"
            add(kind)
            live[("f", int(f["pfn"], 0))] = kind
        elif ev == "mm_page_free":
            free("f", int(f["pfn"], 0))
        elif ev == "mm_page_free_batched":
            stats["batched_dup"] += 1
    return ops, stats


def test_traces_are_checked_in():
    assert len(MTRACES) >= 2 and len(PERFS) >= 2
    assert sum(os.path.getsize(p) for p in MTRACES + PERFS) < 4 << 20


@pytest.mark.parametrize("path", MTRACES, ids=os.path.basename)
def test_mtrace_counts(tmp_path, path):
    ops, stats = model_mtrace(read_text(path))
    doc = run_json(tmp_path, path, "--machine", "cpus=1 NORMAL=2G", "--validate")
    assert check_result(doc) is None
    assert doc["format"] == "mtrace"
    assert {k: v["count"] for k, v in doc["ops"].items()} == ops
    for k, v in stats.items():
        assert doc["import"][k] == v, k
    assert doc["validate"] == "ok"


@pytest.mark.parametrize("path", PERFS, ids=os.path.basename)
def test_perf_counts(tmp_path, path):
    ops, stats = model_perf(read_text(path))
    doc = run_json(tmp_path, path, "--validate")
    assert check_result(doc) is None
    assert doc["format"] == "perf"
    assert {k: v["count"] for k, v in doc["ops"].items()} == ops
    for k, v in stats.items():
        assert doc["import"][k] == v, k
    assert doc["validate"] == "ok"


def test_compressed_and_plain_agree(tmp_path):
    text = read_text(MTRACES[0])
    (tmp_path / "t.mtrace").write_text(text)
    with gzip.open(tmp_path / "t.mtrace.gz", "wt") as f:
        f.write(text)
    a = dump_ops(tmp_path / "t.mtrace")
    b = dump_ops(tmp_path / "t.mtrace.gz")
    c = dump_ops(MTRACES[0])
    assert a == b == c


# Every name include/trace/events/mmflags.h prints in 6.1 .. 6.9 (x86-64).
GFP_NAMES_6X = """GFP_TRANSHUGE GFP_TRANSHUGE_LIGHT GFP_HIGHUSER_MOVABLE GFP_HIGHUSER GFP_USER
GFP_KERNEL_ACCOUNT GFP_KERNEL GFP_NOFS GFP_ATOMIC GFP_NOIO GFP_NOWAIT GFP_DMA __GFP_HIGHMEM
GFP_DMA32 __GFP_HIGH __GFP_IO __GFP_FS __GFP_NOWARN __GFP_RETRY_MAYFAIL __GFP_NOFAIL
__GFP_NORETRY __GFP_COMP __GFP_ZERO __GFP_NOMEMALLOC __GFP_MEMALLOC __GFP_HARDWALL
__GFP_THISNODE __GFP_RECLAIMABLE __GFP_MOVABLE __GFP_ACCOUNT __GFP_WRITE __GFP_RECLAIM
__GFP_DIRECT_RECLAIM __GFP_KSWAPD_RECLAIM __GFP_ZEROTAGS __GFP_SKIP_ZERO __GFP_SKIP_KASAN
none""".split()
# Printed by some 6.x kernels: 6.0-6.2 with CONFIG_KASAN_HW_TAGS, and 6.10+
# with slab object extensions (memcg, allocation profiling).
GFP_NAMES_OTHER_VERSIONS = ["__GFP_SKIP_KASAN_POISON", "__GFP_SKIP_KASAN_UNPOISON", "__GFP_NO_OBJ_EXT"]


@pytest.mark.parametrize("name", GFP_NAMES_6X)
def test_kernel_gfp_names_parse(machine, name):
    machine.gfp(name)
    machine.gfp("GFP_KERNEL|" + name if name != "none" else "none")


@pytest.mark.parametrize("name", GFP_NAMES_OTHER_VERSIONS)
def test_kernel_gfp_names_of_other_versions(machine, name):
    """Names of 6.0-6.2 (KASAN HW tags) and 6.10+ kernels are accepted."""
    machine.gfp(name)
    machine.gfp("GFP_KERNEL|" + name)


def test_gfp_words_of_the_real_traces_parse():
    seen = set()
    for path in PERFS:
        seen.update(re.findall(r"gfp_flags=(\S+)", read_text(path)))
    with Machine(cpus=1) as m:
        for g in seen:
            m.gfp(g)
    assert "GFP_KERNEL" in seen


PERF_SMALL = """\
# perf script output
   cat  100 [000]  10.000001:   kmem:kmalloc: call_site=a+0x1 ptr=0xffff888100000000 bytes_req=100 bytes_alloc=128 gfp_flags=GFP_KERNEL node=-1 accounted=false
   cat  100 [001]  10.000002:   kmem:kmem_cache_alloc: call_site=b+0x2 ptr=0xffff888100001000 bytes_req=184 bytes_alloc=192 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 accounted=true
   cat  100 [001]  10.000003:   kmem:kmem_cache_alloc: call_site=b+0x2 ptr=0xffff888100002000 name=dentry bytes_req=192 bytes_alloc=192 gfp_flags=GFP_KERNEL_ACCOUNT node=-1 accounted=true
   cat  100 [001]  10.000004:   kmem:kfree: call_site=c+0x3 ptr=0xffff888100001000
   cat  100 [000]  10.000005:   kmem:kfree: call_site=c+0x3 ptr=(nil)
   cat  100 [000]  10.000006:   kmem:kfree: call_site=c+0x3 ptr=0xffff8881deadbeef
   cat  100 [002]  10.000007:   kmem:mm_page_alloc: page=0xffffea0000040000 pfn=0x1000 order=2 migratetype=0 gfp_flags=GFP_KERNEL|__GFP_COMP
   cat  100 [002]  10.000008:   kmem:mm_page_alloc: page=(nil) pfn=0x0 order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE_LIGHT
   cat  100 [002]  10.000009:   kmem:mm_page_free_batched: page=0xffffea0000040000 pfn=0x1000 order=0
   cat  100 [002]  10.000010:   kmem:mm_page_free: page=0xffffea0000040000 pfn=0x1000 order=2
   cat  100 [002]  10.000011:   kmem:mm_page_free: page=0xffffea0000080000 pfn=0x2000 order=0
   cat  100 [003]  10.000012:   kmem:kmem_cache_free: call_site=d+0x4 ptr=0xffff888100002000 name=dentry
   cat  100 [003]  10.000013:   kmem:rss_stat: mm_id=1 curr=1 type=MM_ANONPAGES size=4096B
"""


def test_perf_edge_cases(tmp_path):
    p = write(tmp_path, PERF_SMALL, "small.perf")
    ops, summary = dump_ops(p)
    got = [(k, f.get("cache"), f.get("cpu")) for _, k, f in ops if k != "cpu"]
    assert got == [
        ("kmalloc", None, "0"),
        ("cache_create", "size-192", "1"), ("cache_alloc", "size-192", "1"),
        ("cache_create", "dentry", "1"), ("cache_alloc", "dentry", "1"),
        ("cache_free", "size-192", "1"),          # kfree of a cache object
        ("alloc_pages", None, "2"), ("free_pages", None, "2"),
        ("cache_free", "dentry", "3")]
    assert summary["null_free"] == 1 and summary["skipped_free"] == 2      # deadbeef, pfn 0x2000
    assert summary["batched_dup"] == 1 and summary["ignored"] == 2         # page=(nil), rss_stat
    doc = run_json(tmp_path, p, "--machine", "cpus=2", "--validate")
    assert doc["validate"] == "ok" and doc["import"]["caches"] == 2
    assert doc["ops"]["free_pages"]["failed"] == 0


def test_perf_unknown_gfp_is_an_error(tmp_path):
    p = write(tmp_path, PERF_SMALL.replace("GFP_KERNEL|__GFP_COMP", "GFP_KERNEL|__GFP_BOGUS"),
              "bad.perf")
    r = run("run", p)
    assert r.returncode == 1 and r.stderr.startswith("%s:8: bad gfp_flags" % p)


MTRACE_SMALL = """\
= Start
@ ./a.out:[0x401136] + 0x1000 0x10
+ 0x2000 0x20
@ ./a.out:[0x401150] < 0x1000
@ ./a.out:[0x401150] > 0x3000 0x40
@ ./a.out:[0x401160] < 0x9000
@ ./a.out:[0x401160] > 0x4000 0x50
@ ./a.out:[0x401170] - 0x8000
@ ./a.out:[0x401170] - 0x0
@ ./a.out:[0x401170] ! 0x2000 0x100000
- 0x3000
- 0x2000
- 0x4000
= End
"""


def test_mtrace_edge_cases(tmp_path):
    p = write(tmp_path, MTRACE_SMALL, "small.mtrace")
    ops, summary = dump_ops(p)
    assert [k for _, k, _ in ops] == ["kmalloc", "kmalloc", "krealloc", "kmalloc",
                                      "kfree", "kfree", "kfree"]
    assert summary["skipped_free"] == 2 and summary["null_free"] == 1
    assert summary["failed_realloc"] == 1 and summary["ignored"] == 2
    doc = run_json(tmp_path, p, "--validate")
    assert doc["validate"] == "ok"
    assert all(v["failed"] == 0 for v in doc["ops"].values())


def test_mtrace_format_errors(tmp_path):
    p = write(tmp_path, "= Start\n+ 0x1000\n", "bad.mtrace")
    r = run("run", p)
    assert r.returncode == 1 and r.stderr.startswith("%s:2: mtrace: expected" % p)


def test_capture_script_records_a_replayable_mtrace(tmp_path):
    out = tmp_path / "ls.mtrace.gz"
    r = subprocess.run(["bash", os.path.join(TRACES, "capture.sh"), str(out), "--",
                        "ls", "-l", TRACES], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120,
                       env=dict(os.environ, LD_PRELOAD=""))
    if r.returncode and "libc_malloc_debug.so not found" in r.stderr:
        pytest.skip("glibc's libc_malloc_debug.so is not installed")
    assert r.returncode == 0, r.stderr
    text = read_text(str(out))
    assert text.startswith("= Start") and "\n@ " in text
    ops, stats = model_mtrace(text)
    doc = run_json(tmp_path, out, "--validate")
    assert {k: v["count"] for k, v in doc["ops"].items()} == ops
    assert ops["kmalloc"] > 50 and doc["validate"] == "ok"
