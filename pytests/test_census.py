# SPDX-License-Identifier: GPL-2.0-only
"""The pageblock census (JSON "census", the map picture) and the timeline's
watermarks, free pages per migratetype, mixed pageblocks and free 2 MiB
blocks.

The mixing scenario: 8 pageblocks of 16 MiB without per-CPU lists; movable
pages fill 7000 pages, every other one is freed (3500 movable pages in
every one of the first seven blocks, half of each block free), then 1200
unmovable pages.  __rmqueue_fallback (6.18) claims a movable block for
unmovable use only when the free and compatible pages reach half of it
(try_to_claim_block: free_pages + alike_pages >= pageblock_nr_pages / 2,
here 256 of 512 free: claimed); every claimed block keeps the movable
pages it held - each is "mixed" as pagetypeinfo_showmixedcount_print
counts it, and its polluter is the call site of the unmovable pages in it
(what compaction could not move out)."""
import os

from libmm import Machine
from mmbench_util import WORKLOADS, run_json, write

MIX = """machine cpus=1 DMA=0 DMA32=0 NORMAL=16M pcp=off {po}
repeat 1750 {{
  alloc_pages a$i 0 GFP_HIGHUSER_MOVABLE @page_cache
  alloc_pages b$i 0 GFP_HIGHUSER_MOVABLE @page_cache
}}
repeat 1750 {{
  free_pages a$i
}}
repeat 1200 {{
  alloc_pages u$i 0 GFP_KERNEL @net_rx
}}
"""


def mix(tmp_path, po="page_owner=1"):
    return run_json(tmp_path, write(tmp_path, MIX.format(po=po)), "--timeline", "10")


def test_mixed_blocks_and_polluter(tmp_path):
    doc = mix(tmp_path)
    c = doc["census"]
    assert c["pageblocks"] == 8 and c["pageblock_order"] == 9
    s = c["summary"]
    unmovable_blocks = s["pageblocks"]["Unmovable"]
    # every block claimed for the unmovable pages still holds movable ones
    assert unmovable_blocks >= 3
    assert s["mixed"]["Unmovable"] > 0
    mp = c["map"]
    assert s["mixed"]["Unmovable"] == sum(1 for t, x in zip(mp["type"], mp["mixed"])
                                          if t == "U" and x == "1")
    for i, t in enumerate(mp["type"]):
        if t == "U" and mp["movable"][i]:
            assert mp["mixed"][i] == "1" and mp["polluter"][i] == 0
    assert c["sites"][0]["name"] == "net_rx func:net_rx"
    assert c["sites"][0]["mixed_pageblocks"] == s["mixed"]["Unmovable"]
    # pages add up: 4096 pages, every one somewhere
    assert sum(s["pages"].values()) == 4096
    assert s["pages"]["movable"] == 1750 and s["pages"]["unmovable"] == 1200
    for i in range(8):
        assert sum(mp[k][i] for k in ("free", "unmovable", "movable", "reclaimable", "slab",
                                      "vmalloc")) == 512
    # the timeline's last sample agrees
    assert doc["timeline"][-1]["mixed_pageblocks"] == sum(s["mixed"].values())
    assert doc["timeline"][0]["mixed_pageblocks"] == 0


def test_census_without_page_owner(tmp_path):
    doc = mix(tmp_path, po="")
    c = doc["census"]
    assert sum(c["summary"]["mixed"].values()) > 0
    assert c["sites"] == [] and set(c["map"]["polluter"]) == {-1}


def test_free_huge_ranges():
    with Machine(cpus=1, DMA=0, DMA32=0, NORMAL="2G", backing="none") as m:
        s = m.report()["census"]["summary"]
        assert s["free_2m"] == 1024
        assert s["free_1g"] == 2
        m.alloc_pages(0)
        s = m.report()["census"]["summary"]
        assert s["free_2m"] == 1023 and s["free_1g"] == 1


def test_timeline_watermarks_and_free_per_migratetype(tmp_path):
    doc = run_json(tmp_path, os.path.join(WORKLOADS, "towards_oom.mmw"), "--timeline", "20")
    for s in doc["timeline"]:
        for z in s["zones"]:
            assert z["min"] < z["low"] < z["high"]
            assert sum(z["free_mt"].values()) == z["free"]
        assert s["free_2m"] == sum(b << (o - 9) for z in s["zones"]
                                   for o, b in enumerate(z["buddyinfo"]) if o >= 9)
    last = doc["timeline"][-1]
    # the leak ends with NORMAL at its min watermark (GFP_KERNEL fails
    # there) and DMA32 at its low one; DMA above its high one is kept for
    # DMA requests by lowmem_reserve
    normal = next(z for z in last["zones"] if z["zone"] == "NORMAL")
    assert normal["free"] <= normal["min"]
    first = next(z for z in doc["timeline"][0]["zones"] if z["zone"] == "NORMAL")
    assert first["free"] > first["high"]


def test_pictures(tmp_path):
    from libmm import plot
    doc = mix(tmp_path)
    assert plot.plot_pageblock_map(doc, str(tmp_path / "map.png"))
    assert plot.plot_timeline(doc, str(tmp_path / "tl.png"))
    assert os.path.getsize(tmp_path / "map.png") > 5000
