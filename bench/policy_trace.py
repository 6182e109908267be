#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/policy_trace.py - one real kernel trace replayed under the page
allocator policies of Linux 6.5 and 6.18, side by side.

A trace replayed on an empty machine never runs short of free pageblocks of
its own migratetype, so the fallback policies never meet.  The machine the
trace was recorded on was full of page cache; here it is aged the same way
first: NORMAL=512M filled with movable order-0 pages (GFP_HIGHUSER_MOVABLE,
the page cache), 8 of every 32 of them freed again - 128 MiB free as
order-3 runs spread over every pageblock - and then the trace (its operations as
mmbench reads them, `--dump-ops`) runs on top, with a vmstat tick every 1000
operations.  mmbench replays the same workload file under
page_alloc_policy=6.18 and =6.5, first with kcompactd off (the fallback
policies alone), then with kcompactd on the tick (the default: proactive
compaction at vm.compaction_proactiveness 20 moves the page cache, which
the replayer owns, as the kernel moves LRU pages), and the script compares
what the fallbacks did: extfrag events (pgalloc_extfrag: allocations served
from another migratetype's free list), pageblocks that changed owner, mixed
pageblocks (pageblocks holding an allocation of another migratetype),
pageblocks per type, the unusable free space index, and failures.  The
trace's user pages are replayed as page faults of their processes.

Usage: policy_trace.py [TRACE] [--out DIR]   (default: the tar trace,
$MM_RESULTS, default build/results/).  Writes DIR/policy_trace.json and prints a table.
"""
import argparse
import json
import lzma
import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MMBENCH = os.environ.get("MMBENCH") or os.path.join(TOP, "build", "release", "bin", "mmbench")
MACHINE = "cpus=4 DMA=0 DMA32=0 NORMAL=512M"
AGE_RUN, AGE_RUN_EVERY = 8, 32
TICK = 1000


def dump_ops(trace):
    out = subprocess.run([MMBENCH, "run", trace, "--dump-ops"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def to_mmw(ops):
    """mmbench's operation dump as workload lines (handles renamed t<N>)."""
    lines, cpu = [], 0
    for words in ops:
        if len(words) < 2 or "=" in words[1]:          # the "lines=N" trailer
            continue
        if words[1] == "cpu":
            cpu = int(words[2])
            lines.append("cpu %d" % cpu)
            continue
        kind, kv = words[1], dict(w.split("=", 1) for w in words[2:])
        if int(kv.get("cpu", cpu)) != cpu:
            cpu = int(kv["cpu"])
            lines.append("cpu %d" % cpu)
        h = "t%s" % kv.get("handle", "")
        if kind == "cache_create":
            lines.append("cache_create %s %s %s %s" % (kv["cache"], kv["size"], kv["align"],
                                                       kv["slab_flags"]))
        elif kind == "cache_alloc":
            lines.append("cache_alloc %s %s %s" % (h, kv["cache"], kv["gfp"]))
        elif kind == "alloc_pages":
            lines.append("alloc_pages %s %s %s" % (h, kv["order"], kv["gfp"]))
        elif kind == "kmalloc":
            lines.append("kmalloc %s %s %s" % (h, kv["size"], kv["gfp"]))
        elif kind == "krealloc":
            lines.append("krealloc %s %s %s" % (h, kv["size"], kv["gfp"]))
        elif kind in ("kfree", "cache_free", "free_pages", "vfree"):
            lines.append("%s %s" % (kind, h))
        elif kind == "vmalloc":
            lines.append("vmalloc %s %s" % (h, kv["size"]))
        elif kind == "fault":           # a user page: a fault of the PID's process
            lines.append("fault u%s %s %s" % (kv["handle"], kv.get("size", 0), kv["order"]))
        elif kind == "unmap":
            lines.append("unmap u%s %s %dK" % (kv["handle"], kv.get("size", 0),
                                               4 * int(kv["pages"])))
        else:
            raise SystemExit("policy_trace: unknown operation %r" % kind)
    return lines


def aged_prefix(pages):
    """Page cache everywhere (all but 16 MiB: above the watermarks even with
    6.18's per-CPU lists grown to a thousand pages, so the fill never
    fails), then 8 pages of every 32 freed again: a quarter of memory free,
    as order-3 runs in every pageblock."""
    pages -= 4096
    lines = ["machine " + MACHINE, "repeat %d {" % pages,
             "  alloc_pages pc$i 0 GFP_HIGHUSER_MOVABLE|__GFP_NOWARN", "}"]
    lines += ["free_pages pc%d" % i for i in range(pages) if i % AGE_RUN_EVERY < AGE_RUN]
    return lines


def summary(doc):
    v, z = doc["vmstat"], next(z for z in doc["zones"] if z["managed"])
    return {
        "pgalloc_extfrag": v["pgalloc_extfrag"],
        "pgalloc_extfrag_claimed": v["pgalloc_extfrag_claimed"],
        "pgalloc_fail": v["pgalloc_fail"] + v["pgalloc_fail_nowarn"],
        "pgmigrate_success": v["pgmigrate_success"],
        "pageblocks": z["pageblocks"],
        "mixed_pageblocks": z["mixed_pageblocks"],
        "unusable_index": z["unusable_index"],
        "free": z["free"],
        "free_pages_on_lists": {t: sum(n << o for o, n in enumerate(c))
                                for t, c in z["pagetypeinfo"].items()},
        "ops_failed": {k: o["failed"] for k, o in doc["ops"].items() if o["failed"]},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trace", nargs="?",
                    default=os.path.join(TOP, "workloads", "traces",
                                         "kernel_tar_usr_include.perf.xz"))
    ap.add_argument("--out", default=os.environ.get("MM_RESULTS", os.path.join(TOP, "build", "results")))
    args = ap.parse_args()
    trace_lines = to_mmw(dump_ops(args.trace))
    pages = 512 << 8
    res = {"schema": "libmm-bench/1", "bench": "policy_trace",
           "trace": os.path.relpath(args.trace, TOP), "machine": MACHINE,
           "aging": "fill with GFP_HIGHUSER_MOVABLE order 0, free %d of every %d pages"
                    % (AGE_RUN, AGE_RUN_EVERY), "tick_every": TICK, "policies": {}}
    runs = (("policies", "kcompactd=off"), ("policies_kcompactd", "kcompactd=tick"))
    with tempfile.TemporaryDirectory() as tmp:
        wl = os.path.join(tmp, "aged_trace.mmw")
        with open(wl, "w") as f:
            f.write("\n".join(aged_prefix(pages) + trace_lines) + "\n")
        for key, kcompactd in runs:
            res[key] = {}
            for policy in ("6.5", "6.18"):
                js = os.path.join(tmp, policy + ".json")
                subprocess.run([MMBENCH, "run", wl, "--quiet", "--tick", str(TICK), "--json", js,
                                "--machine", "%s page_alloc_policy=%s %s"
                                % (MACHINE, policy, kcompactd), "--validate"], check=True)
                with open(js) as f:
                    doc = json.load(f)
                assert doc["validate"] == "ok", doc["validate"]
                res[key][policy] = summary(doc)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "policy_trace.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    print("%s on an aged %s (tick every %d ops)" % (res["trace"], MACHINE, TICK))
    print("%-34s %12s %12s %12s %12s" % ("", "6.5", "6.18", "6.5", "6.18"))
    print("%-34s %12s %12s %12s %12s" % ("", "kcompactd off", "", "kcompactd on", ""))
    cols = [res[key][policy] for key, _ in runs for policy in ("6.5", "6.18")]

    def row(label, get, fmt="%12d"):
        print("%-34s " % label + " ".join(fmt % get(c) for c in cols))

    for key in ("pgalloc_extfrag", "pgalloc_extfrag_claimed", "pgalloc_fail", "free",
                "pgmigrate_success"):
        row(key, lambda c, k=key: c[k])
    for t in ("Unmovable", "Movable", "Reclaimable", "HighAtomic"):
        row("pageblocks " + t, lambda c, t=t: c["pageblocks"][t])
    for t in ("Unmovable", "Movable", "Reclaimable"):
        row("mixed pageblocks " + t, lambda c, t=t: c["mixed_pageblocks"][t])
    for t in ("Unmovable", "Movable", "Reclaimable"):
        row("free pages on %s lists" % t, lambda c, t=t: c["free_pages_on_lists"][t])
    for o in (0, 3, 9):
        row("unusable index order %d" % o, lambda c, o=o: c["unusable_index"][o], "%12.3f")
    return 0


if __name__ == "__main__":
    sys.exit(main())
