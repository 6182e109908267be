# SPDX-License-Identifier: GPL-2.0-only
"""One source for facts the library, mmbench and Python share: the zone
names, the fragmentation indices (the kernel's unusable_free_index() and
__fragmentation_index() of mm/vmstat.c), /proc/slabinfo as C reads, the
report's members for embedding, and one parser for GFP and slab flag words."""
import json

import pytest

from libmm import Machine
from libmm._libmm import ffi, lib
from libmm.machine import ZONE_NAMES
from libmm.slab import parse_slabinfo


def test_zone_names_come_from_the_library():
    assert ZONE_NAMES == ("DMA", "DMA32", "NORMAL", "MOVABLE")
    assert lib.mm_zone_name(-1) == ffi.NULL and lib.mm_zone_name(lib.MM_MAX_NR_ZONES) == ffi.NULL


def test_indices_match_the_kernels_formulas():
    # 3 free order-0 blocks and 1 free order-2 block: 7 free pages.
    nr = ffi.new("unsigned long[11]", [3, 0, 1] + [0] * 8)
    # unusable_free_index(): (free_pages - suitable_blocks << order) * 1000 / free_pages
    assert lib.mm_unusable_index(nr, 11, 0) == 0
    assert lib.mm_unusable_index(nr, 11, 1) == (7 - (1 * 2 << 1)) * 1000 // 7   # 428
    assert lib.mm_unusable_index(nr, 11, 3) == 1000
    # __fragmentation_index(): -1000 when a suitable block is free, else
    # 1000 - (1000 + free_pages * 1000 / requested) / free_blocks_total
    assert lib.mm_fragmentation_index(nr, 11, 2) == -1000
    assert lib.mm_fragmentation_index(nr, 11, 3) == 1000 - (1000 + 7 * 1000 // 8) // 4  # 531
    empty = ffi.new("unsigned long[11]")
    assert lib.mm_unusable_index(empty, 11, 0) == 1000
    assert lib.mm_fragmentation_index(empty, 11, 0) == 0
    assert lib.mm_unusable_index(nr, 11, 11) == -22          # -EINVAL: order out of range
    assert lib.mm_unusable_index(ffi.NULL, 11, 0) == -22


def test_the_reports_and_the_c_reads_agree(small_machine):
    m = small_machine
    m.alloc_pages(order=0)
    text = m.text("unusable_index").splitlines()
    info = ffi.new("struct mm_zone_info *")
    assert lib.mm_zone_info(m._h, 0, 2, info) == 0
    orders = lib.mm_max_order(m._h) + 1
    want = [lib.mm_unusable_index(info.nr_free, orders, o) for o in range(orders)]
    line = next(l for l in text if "Normal" in l).split()[4:]
    assert [round(float(x) * 1000) for x in line] == want


def test_slabinfo_as_numbers(small_machine):
    m = small_machine
    p = m.kmalloc(100)
    n = lib.mm_slabinfo(m._h, ffi.NULL, 0)
    rows = ffi.new("struct mm_slabinfo[]", n)
    assert lib.mm_slabinfo(m._h, rows, n) == n > 0
    byname = {ffi.string(r.name).decode(): r for r in rows}
    text = {l.split()[0]: l.split() for l in m.text("slabinfo").splitlines()[2:]}
    assert set(byname) == set(text)
    r = byname["kmalloc-128"]
    t = text["kmalloc-128"]
    assert (r.active_objs, r.num_objs, r.objsize, r.objperslab, r.pagesperslab) == \
        tuple(int(x) for x in t[1:6])
    assert r.active_objs >= 1
    assert lib.mm_slabinfo(ffi.NULL, ffi.NULL, 0) == -22
    assert lib.mm_slabinfo(m._h, ffi.NULL, 1) == -22
    m.kfree(p)


@pytest.mark.parametrize("allocator", ["slub", "slab", "slob"])
def test_slabinfo_rows_of_every_allocator(allocator):
    # the C read and the text are the same get_slabinfo() rows, tunables
    # and slabdata included (SLAB's limit/batchcount are non-zero)
    with Machine("cpus=2 DMA=0 DMA32=0 NORMAL=64M slab=%s" % allocator) as m:
        objs = [m.kmalloc(100) for _ in range(50)]
        rows = m.slabinfo()
        assert rows == parse_slabinfo(m.text("slabinfo"))
        row = next(r for r in rows if r["name"] == "kmalloc-128")
        assert row["active_objs"] >= 50
        # SLOB's pages are shared by every cache: no slabs of a cache's own
        assert (row["num_slabs"] >= 1) == (allocator != "slob")
        assert (row["limit"] > 0) == (allocator == "slab")
        for p in objs:
            m.kfree(p)
        m.validate()


def test_report_members_embed_without_cutting_braces(small_machine):
    m = small_machine
    whole = lib.mm_report_json(m._h)
    members = lib.mm_report_json_members(m._h, b"report_schema")
    try:
        w, s = ffi.string(whole).decode(), ffi.string(members).decode()
    finally:
        lib.mm_free_string(whole)
        lib.mm_free_string(members)
    assert w == "{\n  " + s.replace('"report_schema"', '"schema"', 1) + "}\n"
    doc = json.loads("{" + s + "}")
    assert doc["report_schema"] == "libmm-report/1" and "schema" not in doc
    assert lib.mm_report_json_members(m._h, ffi.NULL) == ffi.NULL


@pytest.mark.parametrize("parse,ctype,good,bad", [
    (lib.mm_gfp_parse, "gfp_t *", "GFP_KERNEL | __GFP_ZERO", "GFP_BOGUS"),
    (lib.mm_slab_flags_parse, "slab_flags_t *", "SLAB_HWCACHE_ALIGN | SLAB_POISON", "SLAB_BOGUS"),
])
def test_one_flag_word_parser(parse, ctype, good, bad):
    out = ffi.new(ctype)
    err = ffi.new("char[256]")
    assert parse(good.encode(), out, err, 256) == 0 and out[0]
    # the same rules for both words: numbers in any base, blanks around words
    for text, value in [("0", 0), ("0x2000", 0x2000), ("8192", 0x2000), (" 0x10 | 0x20 ", 0x30)]:
        assert parse(text.encode(), out, err, 256) == 0 and out[0] == value, text
    # and the same refusals, each naming what is wrong
    for text, says in [(bad, "unknown"), ("", "empty"), ("0x10||0x20", "empty name"),
                       ("0x1ffffffff", "number"), ("A" * 80, "too long")]:
        out[0] = 7
        assert parse(text.encode(), out, err, 256) == -22, text
        assert says in ffi.string(err).decode() and out[0] == 7
