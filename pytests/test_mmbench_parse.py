# SPDX-License-Identifier: GPL-2.0-only
"""mmbench's workload language: every operation, repeat with $i,
sizes with suffixes, and every parse error with its FILE:LINE (nothing runs).
"""
import pytest

from libmm import GFP
from mmbench_util import dump_ops, run, run_json, write

KERNEL = int(GFP.GFP_KERNEL)


def kinds(ops):
    return [k for _, k, _ in ops if k != "cpu"]


def test_every_operation(tmp_path):
    w = write(tmp_path, """\
# every operation once
machine cpus=2 DMA=16M DMA32=64M NORMAL=128M   # trailing comment
alloc_pages p 3 GFP_KERNEL|__GFP_ZERO
kmalloc k 100
krealloc k 300 GFP_ATOMIC
cache_create dentry 192 64 SLAB_HWCACHE_ALIGN
cache_alloc d dentry
vmalloc v 64K
cpu 1
vfree v
cache_free d
cache_destroy dentry
kfree k
free_pages p
""")
    ops, summary = dump_ops(w)
    assert kinds(ops) == ["alloc_pages", "kmalloc", "krealloc", "cache_create", "cache_alloc",
                          "vmalloc", "vfree", "cache_free", "cache_destroy", "kfree",
                          "free_pages"]
    by_line = {line: f for line, k, f in ops if k != "cpu"}
    assert by_line[3]["order"] == "3"
    assert int(by_line[3]["gfp"], 16) == int(GFP.GFP_KERNEL | GFP.__GFP_ZERO)
    assert by_line[4]["size"] == "100" and int(by_line[4]["gfp"], 16) == KERNEL
    assert by_line[5]["size"] == "300" and int(by_line[5]["gfp"], 16) == int(GFP.GFP_ATOMIC)
    assert by_line[6]["cache"] == "dentry" and by_line[6]["align"] == "64"
    assert by_line[8]["size"] == str(64 * 1024)
    assert by_line[14]["order"] == "3"          # free_pages takes the allocation's order
    assert [(line, f["cpu"]) for line, k, f in ops if k == "cpu"] == [(9, "1")]
    assert summary["caches"] == 1 and summary["handles"] == 4
    doc = run_json(tmp_path, w, "--validate")
    assert {k: v["count"] for k, v in doc["ops"].items()} == {k: 1 for k in kinds(ops)}
    assert all(v["failed"] == 0 and v["skipped"] == 0 for v in doc["ops"].values())
    assert doc["validate"] == "ok"


@pytest.mark.parametrize("text,value", [
    ("4096", 4096), ("4K", 4096), ("4k", 4096), ("4KB", 4096), ("2M", 2 << 20),
    ("1G", 1 << 30), ("0x1000", 4096), ("0", 0), ("3k", 3072)])
def test_size_suffixes(tmp_path, text, value):
    ops, _ = dump_ops(write(tmp_path, "kmalloc a %s\n" % text))
    assert ops[0][2].get("size", "0") == str(value)


def test_repeat_expands_i(tmp_path):
    ops, summary = dump_ops(write(tmp_path, """\
repeat 3 {
  kmalloc a$i 8
}
repeat 3 {
  kfree a${i}
}
repeat 0 {
  kfree never
}
"""))
    assert kinds(ops) == ["kmalloc"] * 3 + ["kfree"] * 3
    handles = [f["handle"] for _, _, f in ops]
    assert len(set(handles[:3])) == 3 and handles[3:] == handles[:3]
    assert [line for line, _, _ in ops] == [2, 2, 2, 5, 5, 5]
    assert summary["handles"] == 3


def test_nested_repeats(tmp_path):
    ops, summary = dump_ops(write(tmp_path, """\
repeat 2 o {
  repeat 3 {
    alloc_pages p${o}_$i $o
  }
}
repeat 2 o {
  repeat 3 {
    free_pages p${o}_$i
  }
}
"""))
    assert kinds(ops) == ["alloc_pages"] * 6 + ["free_pages"] * 6
    assert [f["order"] for _, _, f in ops[:6]] == ["0"] * 3 + ["1"] * 3
    assert summary["handles"] == 6


def test_inner_repeat_shadows_i(tmp_path):
    ops, summary = dump_ops(write(tmp_path, """\
repeat 2 {
  repeat 2 {
    kmalloc a$i 8
  }
  repeat 2 {
    kfree a$i
  }
}
"""))
    # a0, a1 on each outer iteration (not a0 twice): two slots, reused
    assert summary["handles"] == 2 and len(ops) == 8


def test_handles_reused_after_free(tmp_path):
    ops, _ = dump_ops(write(tmp_path, "kmalloc a 8\nkfree a\nvmalloc a 1M\nvfree a\n"))
    assert [f["handle"] for _, _, f in ops] == ["0"] * 4
    assert [f["seq"] for _, _, f in ops] == ["0", "1", "2", "3"]


def test_comments_blank_lines_crlf(tmp_path):
    ops, summary = dump_ops(write(tmp_path, "# c\r\n\r\n   \r\nkmalloc a 8 # x\r\n#\r\nkfree a\r\n"))
    assert kinds(ops) == ["kmalloc", "kfree"] and [l for l, _, _ in ops] == [4, 6]
    assert summary["lines"] == 6


def test_cache_reusable_after_destroy(tmp_path):
    ops, _ = dump_ops(write(tmp_path, """\
cache_create c 64
cache_alloc a c
cache_free a
cache_destroy c
cache_create c 128
cache_alloc a c
cache_free a
cache_destroy c
"""))
    assert len(ops) == 8


ERRORS = [
    ("foo a 1\n", 1, "unknown operation 'foo'"),
    ("\n\nalloc_pages a\n", 3, "expected HANDLE ORDER [GFP]"),
    ("alloc_pages a x\n", 1, "bad order 'x'"),
    ("alloc_pages a 16\n", 1, "bad order '16'"),
    ("alloc_pages a 0 GFP_BOGUS\n", 1, "bad GFP flags 'GFP_BOGUS'"),
    ("kmalloc a 12Q\n", 1, "bad size '12Q'"),
    ("kmalloc a 99999999999999999999\n", 1, "bad size"),
    ("kmalloc a\n", 1, "expected HANDLE SIZE [GFP]"),
    ("kmalloc a 8\nkmalloc a 8\n", 2, "handle 'a' is already live"),
    ("kfree a\n", 1, "handle 'a' was never allocated"),
    ("krealloc a 8\n", 1, "handle 'a' was never allocated"),
    ("kmalloc a 8\nkfree a\nkfree a\n", 3, "is not live (freed at line 2)"),
    ("kmalloc a 8\nfree_pages a\n", 2, "holds a kmalloc object"),
    ("alloc_pages a 0\nkfree a\n", 2, "holds pages"),
    ("vmalloc v 4K\ncache_free v\n", 2, "holds a vmalloc area"),
    ("vmalloc a\n", 1, "expected HANDLE SIZE"),
    ("kfree a b\n", 1, "expected HANDLE"),
    ("cache_alloc a nosuch\n", 1, "no cache named 'nosuch'"),
    ("cache_create c 64\ncache_create c 64\n", 2, "cache 'c' already exists"),
    ("cache_create c 64\ncache_destroy c\ncache_alloc a c\n", 3, "was destroyed at line 2"),
    ("cache_create c 64\ncache_alloc a c\ncache_destroy c\n", 3, "still has 1 live object"),
    ("cache_destroy c\n", 1, "no cache named 'c'"),
    ("cache_create c 64 3\n", 1, "not a power of two"),
    ("cache_create c 64 SLAB_BOGUS\n", 1, "bad slab flags 'SLAB_BOGUS'"),
    ("cache_create c 0\n", 1, "out of range"),
    ("cache_create c 64 SLAB_POISON 8\n", 1, "ALIGN comes before FLAGS"),
    ("kmalloc a 8\nmachine cpus=2\n", 2, "'machine' must come first"),
    ("machine\n", 1, "expected a machine config"),
    ("repeat 3 {\nkmalloc a$i 8\n", 1, "no closing '}'"),
    ("kmalloc a 8\n}\n", 2, "'}' without a matching"),
    ("repeat x {\n}\n", 1, "bad count 'x'"),
    ("repeat 3\n", 1, "expected 'repeat N [VAR] {'"),
    ("repeat 2 {\n} x\n", 2, "unexpected 'x' after '}'"),
    ("kmalloc a$j 8\n", 1, "unknown variable $j"),
    ("kmalloc a$ 8\n", 1, "'$' not followed by a variable name"),
    ("repeat 3 {\n  kmalloc a 8\n}\n", 2, "already live"),
    ("repeat 2 {\nrepeat 2 {\n\n kfree z$i\n}\n}\n", 4, "was never allocated"),
    ("cpu 999\n", 1, "bad CPU '999'"),
    ("machine cpus=2\ncpu 3\nkmalloc a 8\n", 2, "CPU 3 does not exist"),
    ("machine max_page_order=5\nalloc_pages a 7\n", 2, "above the machine's max_page_order 5"),
    ("machine cpus=x\n", 1, "bad machine config"),
    ("kmalloc a 8 GFP_KERNEL " + "x " * 12 + "\n", 1, "too many words"),
    ("kmalloc a 8\n\0\n", 2, "NUL byte"),
]


@pytest.mark.parametrize("text,line,message", ERRORS)
def test_errors_name_file_and_line(tmp_path, text, line, message):
    w = write(tmp_path, text)
    p = run("run", w, "--json", tmp_path / "x.json")
    assert p.returncode == 1, p.stderr
    first = p.stderr.splitlines()[0]
    assert first.startswith("%s:%d: " % (w, line)), first
    assert message in first, first
    assert p.stdout == ""                       # nothing ran
    assert not (tmp_path / "x.json").exists()


def test_error_inside_repeat_names_iteration(tmp_path):
    p = run("run", write(tmp_path, "repeat 3 {\n  kmalloc a 8\n}\n"))
    assert "($i=1)" in p.stderr


def test_parse_only_counts_lines(tmp_path):
    p = run("run", write(tmp_path, "repeat 1000 {\nkmalloc a$i 8\n}\n"), "--parse-only", check=0)
    assert "1000 operations" in p.stdout and "1001 lines" in p.stdout   # repeat line + body per iteration


USAGE = [
    [],
    ["run"],
    ["run", "--bogus", "x.mmw"],
    ["run", "a.mmw", "b.mmw"],
    ["run", "/nonexistent/file.mmw"],
    ["run", "x.mmw", "--backend", "tcmalloc"],
    ["run", "x.mmw", "--format", "xml"],
    ["run", "x.mmw", "--seed", "abc"],
    ["run", "x.mmw", "--json"],
    ["bogus"],
]


@pytest.mark.parametrize("args", USAGE)
def test_usage_errors_exit_2(tmp_path, args):
    args = [str(tmp_path / a) if a.endswith(".mmw") and not a.startswith("/") else a
            for a in args]
    if any(a.endswith("x.mmw") for a in args):
        (tmp_path / "x.mmw").write_text("kmalloc a 8\n")
    assert run(*args).returncode == 2


def test_bad_machine_option_is_usage(tmp_path):
    p = run("run", write(tmp_path, "kmalloc a 8\n"), "--machine", "cpus=0")
    assert p.returncode == 2 and "bad --machine" in p.stderr


def test_help():
    p = run("--help", check=0)
    assert "mmbench run" in p.stdout and "mmbench info" in p.stdout
    p = run("run", "--help", check=0)
    assert "--backend" in p.stdout and "--threads" in p.stdout and "exit status" in p.stdout
