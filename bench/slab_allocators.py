#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/slab_allocators.py - SLUB, SLUB with sheaves, SLAB and SLOB on every
checked-in trace (workloads/traces/*.xz), mmbench --warmup --runs N per
trace and allocator, the allocators alternating within a trace so machine
noise hits them alike.

Per trace and allocator: time per operation (the replay's mean over all
operations, host page faults of first touches excluded by prefault), slab
memory at its peak against the bytes live at their peak (the overhead of the
design: partial slabs, per-CPU caches, rounding to size classes), the free
object bytes left in slabs at the end, and the page allocator's view at the
end (free pageblocks and the unusable index at order 9 of zone Normal).
The kernel traces (.perf) also allocate pages outside the slab layer, so
their live bytes exceed slab memory: compare their slab columns across
allocators, not the ratio.

Usage: bench/slab_allocators.py [--mmbench PATH] [--out results/slab_allocators] [--runs N]
Writes OUT.json, OUT.md (the table) and OUT.png (the plots).
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALLOCATORS = [("SLUB", ""), ("SLUB+sheaves", "slub_sheaves=1"), ("SLAB", "slab=slab"),
              ("SLOB", "slab=slob")]


def run(mmbench, trace, config, runs):
    with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
        cmd = [mmbench, "run", trace, "--json", tmp.name, "--quiet", "--warmup",
               "--runs", str(runs)]
        if config:
            cmd += ["--machine", config]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return json.load(open(tmp.name))


def summarise(d):
    ops = d["ops"].values()
    count = sum(o["count"] for o in ops)
    ns = sum(o["count"] * o["ns_mean"] for o in ops) / max(count, 1)
    mem = d["memory"]
    free_obj_bytes = sum((c["num_objs"] - c["active_objs"]) * c["objsize"] for c in d["slab"])
    normal = [z for z in d["zones"] if z["zone"] == "NORMAL"][0]
    return {
        "ops": count,
        "ns_per_op": round(ns, 1),
        "live_bytes_peak": mem["live_bytes_peak"],
        "slab_bytes_peak": mem["slab_pages_peak"] * 4096,
        "overhead": round(mem["slab_pages_peak"] * 4096 / max(mem["live_bytes_peak"], 1), 3),
        "slab_pages_end": (d["vmstat"]["nr_slab_reclaimable"] +
                           d["vmstat"]["nr_slab_unreclaimable"]),
        "free_object_bytes_end": free_obj_bytes,
        "unusable_index_9": normal["unusable_index"][9],
        "free_pageblocks": normal["buddyinfo"][9] * 1 + normal["buddyinfo"][10] * 2,
    }


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    traces = list(results)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / len(ALLOCATORS)
    for k, metric, title in ((0, "ns_per_op", "time per operation (ns, log scale)"),
                             (1, "slab_bytes_peak", "slab memory at its peak, SLUB = 1")):
        ax = axes[k]
        for i, (name, _) in enumerate(ALLOCATORS):
            xs = [t + i * width for t in range(len(traces))]
            ys = [results[t][name][metric] / (results[t]["SLUB"][metric] if k else 1)
                  for t in traces]
            ax.bar(xs, ys, width, label=name)
        if k == 0:
            ax.set_yscale("log")
        else:
            ax.set_ylim(0, 1.6)
        ax.set_xticks([t + width for t in range(len(traces))])
        ax.set_xticklabels([t.split(".")[0] for t in traces], rotation=20, ha="right",
                           fontsize=8)
        ax.set_title(title)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def table(results):
    lines = ["| trace | allocator | ops | ns/op | live peak KiB | slab peak KiB | slab/live "
             "| slab pages at end | free objects at end KiB |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for t, per in results.items():
        for name, _ in ALLOCATORS:
            r = per[name]
            lines.append("| %s | %s | %d | %.1f | %d | %d | %.2f | %d | %d |" % (
                t, name, r["ops"], r["ns_per_op"], r["live_bytes_peak"] // 1024,
                r["slab_bytes_peak"] // 1024, r["overhead"], r["slab_pages_end"],
                r["free_object_bytes_end"] // 1024))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replot", action="store_true", help="only redraw OUT.png and OUT.md "
                    "from OUT.json")
    ap.add_argument("--mmbench", default=os.path.join(TOP, "build/release/bin/mmbench"))
    ap.add_argument("--out", default=os.path.join(TOP, "results/slab_allocators"))
    ap.add_argument("--runs", type=int, default=3, help="replays per trace and allocator "
                    "(after one warm-up run; operation times pooled)")
    args = ap.parse_args()
    if args.replot:
        results = json.load(open(args.out + ".json"))["results"]
        with open(args.out + ".md", "w") as f:
            f.write(table(results))
        plot(results, args.out + ".png")
        return 0
    results = {}
    for trace in sorted(glob.glob(os.path.join(TOP, "workloads/traces/*.xz"))):
        name = os.path.basename(trace)
        results[name] = {}
        for alloc, config in ALLOCATORS:
            results[name][alloc] = summarise(run(args.mmbench, trace, config, args.runs))
            print("%-32s %-13s %s" % (name, alloc, results[name][alloc]), flush=True)
    with open(args.out + ".json", "w") as f:
        json.dump({"allocators": dict(ALLOCATORS), "results": results}, f, indent=1)
    with open(args.out + ".md", "w") as f:
        f.write(table(results))
    plot(results, args.out + ".png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
