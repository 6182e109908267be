# SPDX-License-Identifier: GPL-2.0-only
"""Hostile input to mmbench's parsers, importers and command line: each
case is refused with FILE:LINE (or a usage error) in bounded time and
memory, and nothing runs or is written.

- nested repeats of empty bodies do not spin the parser;
- sizes above 2^63 from a workload line, an mtrace size or a perf
  bytes_req are refused (no allocator is asked for them);
- perf orders above 15 are refused, not truncated;
- a NUL byte is refused where it stands (it does not swallow an event);
- a huge bad word is not echoed whole;
- an unwritable --json is reported before anything runs;
- lines have a length cap.
"""
import os
import time

import pytest

from mmbench_util import dump_ops, run, write

PERF_LINE = ("x 1 [000] 1.0: kmem:%s: call_site=a+0x1 ptr=0xffff888100000000 "
             "bytes_req=%s bytes_alloc=64 gfp_flags=GFP_KERNEL\n")


def refused(p, path, line, message):
    assert p.returncode == 1, (p.returncode, p.stderr)
    first = p.stderr.splitlines()[0]
    assert first.startswith("%s:%d: " % (path, line)), first
    assert message in first, first
    assert p.stdout == ""


@pytest.mark.parametrize("text", [
    "repeat 100000000 {\nrepeat 100000000 {\n}\n}\n",
    "repeat 100000000 {\n  # nothing but a comment\n  repeat 100000000 {\n\n  }\n}\n",
    "repeat 100000000 x {\nrepeat 100000000 y {\nrepeat 100000000 z {\n}\n}\n}\n",
])
def test_empty_nested_repeats_finish(tmp_path, text):
    w = write(tmp_path, text + "kmalloc a 8\n")
    t0 = time.monotonic()
    ops, summary = dump_ops(w)
    assert [k for _, k, _ in ops] == ["kmalloc"]
    assert time.monotonic() - t0 < 60           # a bound on a hang, not a speed target


def test_work_is_capped(tmp_path):
    # 10^16 iterations of a real operation: refused when the cap is reached
    w = write(tmp_path, "repeat 100000000 {\nrepeat 100000000 {\ncpu 0\n}\n}\n")
    p = run("run", w, "--parse-only", "--max-work", "2000000")
    refused(p, w, 3, "workload too large (more than 2000000 lines to read and iterations")


@pytest.mark.parametrize("op", ["kmalloc a %s", "kmalloc a 8\nkrealloc a %s", "vmalloc a %s"])
@pytest.mark.parametrize("size", ["0x8000000000000001", "18446744073709551615", "9223372036854775809"])
def test_workload_sizes_above_2_63(tmp_path, op, size):
    w = write(tmp_path, (op % size) + "\n")
    refused(run("run", w), w, op.count("\n") + 1, "is larger than 2^63 bytes")


def test_workload_size_2_63_is_passed_on_and_fails(tmp_path):
    w = write(tmp_path, "kmalloc a 0x8000000000000000\nkfree a\n")
    from mmbench_util import run_json
    doc = run_json(tmp_path, w)
    assert doc["ops"]["kmalloc"]["failed"] == 1 and doc["ops"]["kfree"]["skipped"] == 1


@pytest.mark.parametrize("size", ["0xffffffffffffffff", "0x8000000000000001"])
def test_mtrace_sizes_above_2_63(tmp_path, size):
    for kind in ("+ 0x1000 %s", "< 0x10\n> 0x1000 %s"):
        t = write(tmp_path, "= Start\n+ 0x10 0x20\n" + (kind % size) + "\n", "h.mtrace")
        refused(run("run", t), t, 2 + kind.count("\n") + 1, "is larger than 2^63 bytes")


@pytest.mark.parametrize("req", ["18446744073709551615", "9223372036854775809",
                                 "99999999999999999999999"])
def test_perf_bytes_req_above_2_63(tmp_path, req):
    for ev in ("kmalloc", "kmem_cache_alloc"):
        t = write(tmp_path, PERF_LINE % (ev, req), "h.perf")
        refused(run("run", t), t, 1, "bytes_req")


@pytest.mark.parametrize("order", ["256", "16", "99999999999999999999999"])
def test_perf_order_out_of_range(tmp_path, order):
    for line in ("x 1 [000] 1.0: kmem:mm_page_alloc: page=0x1 pfn=0x1000 order=%s "
                 "migratetype=0 gfp_flags=GFP_KERNEL\n",
                 "x 1 [000] 1.0: kmem:mm_page_free: page=0x1 pfn=0x1000 order=%s\n"):
        t = write(tmp_path, line % order, "o.perf")
        refused(run("run", t), t, 1, "bad order '%s'" % order)


def test_perf_order_15_is_kept(tmp_path):
    t = write(tmp_path, "x 1 [000] 1.0: kmem:mm_page_alloc: page=0x1 pfn=0x1000 order=15 "
                        "migratetype=0 gfp_flags=GFP_KERNEL\n", "o.perf")
    ops, _ = dump_ops(t)
    assert ops[0][1] == "alloc_pages" and ops[0][2]["order"] == "15"


@pytest.mark.parametrize("name,text,line", [
    ("n.mtrace", "= Start\n+ 0x10 0x20\0\n+ 0x30 0x40\n- 0x10\n", 2),
    ("n.mtrace", "= Start\n+ 0x10 0x20\n\0+ 0x30 0x40\n", 3),
    ("n.perf", PERF_LINE % ("kmalloc", "8") + "\0" + PERF_LINE % ("kmalloc", "16"), 2),
    ("n.mmw", "kmalloc a 8\0\nkfree a\n", 1),
])
def test_nul_byte_is_refused_where_it_stands(tmp_path, name, text, line):
    path = tmp_path / name
    path.write_bytes(text.encode())
    refused(run("run", path), path, line, "NUL byte")


@pytest.mark.parametrize("name,template", [
    ("w.mmw", "kmalloc a %s\n"),
    ("w.mmw", "%s a 8\n"),
    ("w.mtrace", "+ 0x10 %s\n"),
    ("w.perf", PERF_LINE % ("kmalloc", "%s")),
])
def test_huge_bad_word_is_not_echoed_whole(tmp_path, name, template):
    path = write(tmp_path, template % ("Z" * 500000), name)
    p = run("run", path)
    assert p.returncode == 1 and p.stderr.startswith("%s:1: " % path)
    assert len(p.stderr) < 600 and "ZZZZ..." in p.stderr


def test_ten_megabyte_line_is_refused(tmp_path):
    path = write(tmp_path, "kmalloc a " + "9" * (10 << 20) + "\n")
    p = run("run", path)
    refused(p, path, 1, "line longer than 1048576 bytes")
    assert len(p.stderr) < 300
    path = write(tmp_path, "+ 0x10 0x20\n" + "x" * (2 << 20), "long.mtrace")
    refused(run("run", path), path, 2, "line longer than")


def test_json_path_checked_before_the_run(tmp_path):
    w = write(tmp_path, "repeat 1000 {\nkmalloc a$i 8\n}\n")
    for bad in ("/nonexistent/dir/out.json", str(tmp_path)):
        p = run("run", w, "--json", bad)
        assert p.returncode == 2 and "cannot write --json" in p.stderr, p.stderr
        assert p.stdout == ""                          # nothing ran: no summary
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o500)
    try:
        if os.access(ro, os.W_OK):                     # root ignores the mode
            pytest.skip("running as root: directory permissions are not enforced")
        p = run("run", w, "--json", ro / "out.json")
        assert p.returncode == 2 and p.stdout == ""
    finally:
        os.chmod(ro, 0o700)


def test_json_replaced_whole_or_left_alone(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("previous result")
    w = write(tmp_path, "kmalloc a 8\nkfree b\n")
    p = run("run", w, "--json", out)
    assert p.returncode == 1 and out.read_text() == "previous result"
    w = write(tmp_path, "kmalloc a 8\nkfree a\n", "ok.mmw")
    assert run("run", w, "--json", out, "--quiet").returncode == 0
    assert out.read_text().startswith("{") and oct(out.stat().st_mode & 0o777) != "0o600"
    assert [f for f in os.listdir(tmp_path) if f.startswith(".mmbench-json")] == []
