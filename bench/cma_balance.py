#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""CMA balancing rules side by side: the same workload under
cma_balance=half (6.18's __rmqueue: CMA first once free CMA pages are more
than half of the zone's free pages), fallback (before 5.7: CMA only once
the movable free lists are empty) and first (CMA always first).

The trade-off the rule decides:
  - movable memory parked in CMA is memory the rest of the system keeps:
    unmovable (GFP_KERNEL) allocations, which may not use CMA, fail later;
  - but every movable page in the area is a page cma_alloc() must migrate
    out first (slower, and it can fail on a pinned page).

The workload (seeded, identical for every rule), on a 128M NORMAL zone
with a 32M "camera" area (8192 of 32768 pages):
  every epoch, a process faults 200 pages at random free addresses of its
  256M address space and unmaps 110 of its pages (a growing working set,
  written so contents are checked at the end), one page in 64 it pins for
  8 epochs (I/O in flight: a short-term pin, not FOLL_LONGTERM); a driver
  allocates 12 GFP_KERNEL pages and frees 6; every 8 epochs the camera
  takes a 4 MiB frame (cma_alloc, 1024 pages) and gives it back 4 epochs
  later.  300 epochs, sampled every epoch.

Per rule: CMA utilisation (movable pages in the area / area) and free
non-CMA pages over time, cma_alloc successes, failures (with the kernel's
reason), busy ranges retried, pages migrated per call (those of ranges
given up on a pinned page included: the kernel migrates a range's pages
before test_pages_isolated() finds the pin) and time per call, and the
epoch of the first GFP_KERNEL failure.

Run (after `scons`):
    PYTHONPATH=build/release/python python3 bench/cma_balance.py
Writes results/cma_balance.txt, results/cma_balance.json and
results/cma_balance.png.
"""
import json
import os
import random
import sys
import time

import libmm

RULES = ("half", "fallback", "first")
EPOCHS = 300
CONFIG = dict(cpus=2, DMA=0, DMA32=0, NORMAL="128M", cma_areas="camera:32M")
SPACE = 65536                   # user pages of address space (256M)


def run(rule, seed=1):
    rng = random.Random(seed)
    m = libmm.Machine(cma_balance=rule, **CONFIG)
    area = m.cma_areas()[0]
    lo, hi = area["base_pfn"], area["base_pfn"] + area["count"]
    p = m.process()
    mapped, free_slots = [], list(range(SPACE))
    rng.shuffle(free_slots)
    pins, kernel, frames = {}, [], []
    out = {"rule": rule, "samples": [], "cma_alloc": [], "kernel_fail_epoch": None,
           "kernel_failures": 0}
    for epoch in range(EPOCHS):
        for _ in range(200):
            slot = free_slots.pop()
            if p.fault(slot * 4096) is None:
                free_slots.append(slot)
                break
            p.write(slot * 4096, slot.to_bytes(4, "little"))
            mapped.append(slot)
            if rng.randrange(64) == 0:
                p.pin(slot * 4096)
                pins[slot] = epoch + 8
        for _ in range(110):
            i = rng.randrange(len(mapped))
            slot = mapped[i]
            if slot in pins:
                continue
            mapped[i] = mapped[-1]
            mapped.pop()
            p.unmap(slot * 4096, 4096)
            free_slots.insert(rng.randrange(len(free_slots) + 1), slot)
        for slot, until in list(pins.items()):
            if until <= epoch:
                p.unpin(slot * 4096)
                del pins[slot]
        for _ in range(12):
            pfn = m.alloc_pages(0, "GFP_KERNEL|__GFP_NOWARN", cpu=1)
            if pfn is None:
                out["kernel_failures"] += 1
                if out["kernel_fail_epoch"] is None:
                    out["kernel_fail_epoch"] = epoch
            else:
                kernel.append(pfn)
        for _ in range(6):
            if kernel:
                m.free_pages(kernel.pop(rng.randrange(len(kernel))), cpu=1)
        if epoch % 8 == 0:
            t0 = time.perf_counter()
            pfn = m.cma_alloc("camera", 1024, no_warn=True)
            dt = time.perf_counter() - t0
            info = m.contig_info()["last"]
            fail = m.cma_areas()[0]["last_failure"]
            out["cma_alloc"].append({
                "epoch": epoch, "ok": pfn is not None, "us": round(dt * 1e6, 1),
                "migrated": m.contig_info()["pages_migrated"],
                "reason": None if pfn is not None or not fail else fail["reason"]})
            if pfn is not None:
                frames.append((pfn, epoch + 4))
        for pfn, until in list(frames):
            if until <= epoch:
                m.cma_release("camera", pfn, 1024)
                frames.remove((pfn, until))
        folios = p.folios()
        in_cma = sum(1 for _, pfn, _, _ in folios if lo <= pfn < hi)
        z = m.zone(0, "NORMAL")
        out["samples"].append({"epoch": epoch, "cma_movable": in_cma,
                               "cma_util": round(in_cma / area["count"], 4),
                               "free": z["free"], "free_noncma": z["free"] - z["nr_free_cma"],
                               "rss": len(folios)})
    # pages migrated per call (contig_info counts cumulatively)
    prev = 0
    for c in out["cma_alloc"]:
        c["migrated"], prev = c["migrated"] - prev, c["migrated"]
    for slot in mapped:
        assert p.read(slot * 4096, 4) == slot.to_bytes(4, "little")
    m.validate()
    ok = [c for c in out["cma_alloc"] if c["ok"]]
    out["summary"] = {
        "cma_alloc_calls": len(out["cma_alloc"]), "cma_alloc_ok": len(ok),
        "cma_alloc_fail": len(out["cma_alloc"]) - len(ok),
        "fail_reasons": sorted({c["reason"] for c in out["cma_alloc"] if not c["ok"]} - {None}),
        "migrated_per_ok_call": round(sum(c["migrated"] for c in ok) / max(1, len(ok)), 1),
        "us_per_ok_call_median": sorted(c["us"] for c in ok)[len(ok) // 2] if ok else None,
        "mean_cma_util": round(sum(s["cma_util"] for s in out["samples"]) / EPOCHS, 3),
        "kernel_fail_epoch": out["kernel_fail_epoch"],
        "kernel_failures": out["kernel_failures"],
        "final_rss": out["samples"][-1]["rss"],
        "busy_retries": m.cma_areas()[0]["alloc_busy_retry"],
    }
    p.close()
    m.close()
    return out


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(3, 1, figsize=(8, 9), sharex=True)
    for r in results:
        xs = [s["epoch"] for s in r["samples"]]
        axes[0].plot(xs, [100 * s["cma_util"] for s in r["samples"]], label=r["rule"])
        axes[1].plot(xs, [s["free_noncma"] for s in r["samples"]], label=r["rule"])
        calls = r["cma_alloc"]
        axes[2].scatter([c["epoch"] for c in calls if c["ok"]],
                        [c["migrated"] for c in calls if c["ok"]], s=12, label=r["rule"])
        axes[2].scatter([c["epoch"] for c in calls if not c["ok"]],
                        [-50] * sum(1 for c in calls if not c["ok"]), marker="x", s=20,
                        label=r["rule"] + " (failed)")
    axes[0].set_ylabel("CMA used by movable, %")
    axes[1].set_ylabel("free non-CMA pages")
    axes[2].set_ylabel("pages migrated per cma_alloc\n(x: failed)")
    axes[2].set_xlabel("epoch")
    for ax in axes:
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle("cma_balance: half (6.18) vs fallback (pre-5.7) vs first")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    os.makedirs("results", exist_ok=True)
    results = [run(rule) for rule in RULES]
    lines = ["cma_balance A/B: 128M NORMAL, camera:32M, %d epochs (bench/cma_balance.py)" % EPOCHS,
             "%-9s %9s %7s %7s %6s %10s %12s %10s %12s %9s" % (
                 "rule", "cma_util", "ok", "failed", "busy", "migr/call", "us/call(med)",
                 "kern_fail@", "kern_fails", "rss_end")]
    for r in results:
        s = r["summary"]
        lines.append("%-9s %9.3f %7d %7d %6d %10.1f %12s %10s %12d %9d" % (
            r["rule"], s["mean_cma_util"], s["cma_alloc_ok"], s["cma_alloc_fail"],
            s["busy_retries"], s["migrated_per_ok_call"], s["us_per_ok_call_median"], s["kernel_fail_epoch"],
            s["kernel_failures"], s["final_rss"]))
        if s["fail_reasons"]:
            lines.append("          cma_alloc failures: %s" % ", ".join(s["fail_reasons"]))
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open("results/cma_balance.txt", "w") as f:
        f.write(text)
    with open("results/cma_balance.json", "w") as f:
        json.dump({"config": CONFIG, "epochs": EPOCHS, "rules": results}, f, indent=1)
    plot(results, "results/cma_balance.png")


if __name__ == "__main__":
    main()
