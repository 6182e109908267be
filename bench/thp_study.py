#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A huge-page availability study: how many 2 MiB THPs can a process still
fault in after memory has been fragmented, with compaction off, with direct
compaction in the fault path only, after vm.compact_memory (with and
without draining the per-CPU lists after it), and with proactive compaction
(kcompactd, on ten vmstat ticks) at two proactiveness levels.

The scenario, the same for every policy (seeded):
  1. four processes fault order-0 pages until the zone is at its watermark;
     every 32nd page a driver takes an unmovable page (GFP_KERNEL), so
     unmovable memory is scattered as in a long-running system;
  2. three quarters of the user pages, chosen at random, are unmapped;
  3. a fifth process faults THPs (order 9, GFP_TRANSHUGE: direct compaction
     allowed when compaction is on) at consecutive 2 MiB addresses until one
     fails; what it got is the "THP availability".

Run (after `scons`):
    PYTHONPATH=build/release/python python3 bench/thp_study.py [--size 256M]
Writes results/thp_study.txt and results/thp_study.json.
"""
import argparse
import json
import os
import random
import sys
import time

import libmm

MB2 = 2 << 20
POLICIES = [
    ("compaction off", dict(compaction=0), None),
    ("direct compaction only", dict(compaction_proactiveness=0), None),
    ("compact_memory first", dict(compaction_proactiveness=0), "compact"),
    ("compact_memory, drain_pages", dict(compaction_proactiveness=0), "compact+drain"),
    ("proactive 20 (default), 10 ticks", dict(compaction_proactiveness=20), "ticks"),
    ("proactive 80, 10 ticks", dict(compaction_proactiveness=80), "ticks"),
]


def fragment(m, rng):
    procs = [m.process() for _ in range(4)]
    pages, unmovable, n = [], [], 0
    while True:
        if n % 32 == 31:
            pfn = m.alloc_pages(gfp="GFP_KERNEL|__GFP_NOWARN")
            if pfn is None:
                break
            unmovable.append(pfn)
        p = procs[n % 4]
        addr = (n // 4) * 4096
        if p.fault(addr) is None:
            break
        pages.append((p, addr))
        n += 1
    rng.shuffle(pages)
    for p, addr in pages[:len(pages) * 3 // 4]:
        p.unmap(addr, 4096)
    return procs, len(pages), len(unmovable)


def order9_blocks(m):
    return sum(n << (o - 9) for o, n in enumerate(m.buddyinfo()[(0, "NORMAL")]) if o >= 9)


def thp_faults(m):
    p = m.process()
    got = 0
    while p.fault(got * MB2, order=9) is not None:
        got += 1
    return got


def run_policy(size, keys, action, seed):
    cfg = dict(cpus=1, DMA="0", DMA32="0", NORMAL=size, seed=seed, **keys)
    with libmm.Machine(**cfg) as m:
        _procs, user, unmovable = fragment(m, random.Random(seed))
        m.drain_pages()
        free_after = order9_blocks(m)
        t0 = time.perf_counter()
        if action and action.startswith("compact"):
            m.compact_memory()
            if action.endswith("drain"):
                m.drain_pages()     # the freed sources off the per-CPU list
        elif action == "ticks":
            m.tick(10)          # vmstat ticks: per-CPU high decay, then kcompactd
        prep_s = time.perf_counter() - t0
        free_thp = order9_blocks(m)
        t0 = time.perf_counter()
        got = thp_faults(m)
        fault_s = time.perf_counter() - t0
        v = m.vmstat()
        m.validate()
        return {"user_pages": user, "unmovable_pages": unmovable,
                "order9_free_after_fragmenting": free_after,
                "order9_free_before_faults": free_thp, "thp_faulted": got,
                "thp_fault_fallback": v["thp_fault_fallback"],
                "pgmigrate_success": v["pgmigrate_success"],
                "pgmigrate_fail": v["pgmigrate_fail"], "compact_stall": v["compact_stall"],
                "compact_success": v["compact_success"],
                "compact_daemon_wake": v["compact_daemon_wake"],
                "compact_migrate_scanned": v["compact_migrate_scanned"],
                "compact_free_scanned": v["compact_free_scanned"],
                "prep_s": round(prep_s, 4), "fault_s": round(fault_s, 4)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="256M", help="the NORMAL zone (default 256M)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="results")
    a = ap.parse_args(argv)
    rows = []
    for name, keys, action in POLICIES:
        r = run_policy(a.size, keys, action, a.seed)
        r["policy"] = name
        rows.append(r)
    lines = ["THP availability after fragmentation: NORMAL=%s, seed %d, backing=memfd"
             % (a.size, a.seed),
             "(user pages faulted: %d, unmovable pages: %d, 3/4 of the user pages unmapped;"
             " %d free order-9 blocks left)" % (rows[0]["user_pages"],
                                                rows[0]["unmovable_pages"],
                                                rows[0]["order9_free_after_fragmenting"]), "",
             "%-34s %6s %6s %9s %7s %7s %9s %8s" % ("policy", "free9", "THPs", "migrated",
                                                    "stalls", "wakes", "scanned", "time s")]
    for r in rows:
        lines.append("%-34s %6d %6d %9d %7d %7d %9d %8.2f" % (
            r["policy"], r["order9_free_before_faults"], r["thp_faulted"],
            r["pgmigrate_success"], r["compact_stall"], r["compact_daemon_wake"],
            r["compact_migrate_scanned"] + r["compact_free_scanned"],
            r["prep_s"] + r["fault_s"]))
    lines += ["", "free9: free order-9 blocks when the THP faults start; THPs: faulted before"
              " the first failure;", "migrated: pgmigrate_success; stalls: compact_stall "
              "(direct compaction); wakes: compact_daemon_wake;", "scanned: compact_migrate_"
              "scanned + compact_free_scanned; time: compaction before + the faults"]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "thp_study.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(a.out, "thp_study.json"), "w") as f:
        json.dump({"size": a.size, "seed": a.seed, "policies": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
