# SPDX-License-Identifier: GPL-2.0-only
"""libmm.plot - pictures of mmbench results (JSON, schema mmbench/1).

    python3 -m libmm.plot RESULT.json [RESULT.json ...] [-o DIR] [--name NAME]

For every libmm result (one with a timeline):
  NAME_fragmentation.png  unusable free space index per order over the replay,
                          one panel per zone (the kernel's debugfs
                          unusable_index: 0 = every free page usable for an
                          order-N request, 1 = none)
  NAME_buddyinfo.png      heat map per zone: free blocks per order (rows) over
                          the replay (columns), log colour scale
  NAME_compaction.png     pages migrated and scanned by compaction, and direct
                          compaction stalls, over the replay (when any)
With two or more results (e.g. libmm and malloc backends on one workload):
  NAME_latency_cdf.png    latency CDF per allocator (the results' "malloc"
                          field: libmm, glibc, jemalloc, ...) for each
                          operation kind they share
  NAME_memory.png         memory over the replay: each allocator's resident
                          set (RSS) against the requested bytes live; for
                          libmm, pages in use, in slabs and on per-CPU lists
NAME defaults to the first result's workload file name.  matplotlib with the
Agg backend: no display needed.  The functions plot_fragmentation,
plot_buddyinfo, plot_latency_cdf and plot_memory take loaded JSON (dicts)
and a path.
"""
import argparse
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .machine import ZONE_NAMES  # noqa: E402

ZONE_ORDER = list(ZONE_NAMES)


def _zones(doc):
    """[(node, zone)] present in the timeline, kernel order."""
    seen = []
    for s in doc.get("timeline", []):
        for z in s["zones"]:
            key = (z["node"], z["zone"])
            if key not in seen:
                seen.append(key)
    return sorted(seen, key=lambda k: (k[0], ZONE_ORDER.index(k[1])))


def _series(doc, key):
    """{(node, zone): (ops, [per-sample lists])} of timeline field key."""
    out = {}
    for s in doc.get("timeline", []):
        for z in s["zones"]:
            xs, ys = out.setdefault((z["node"], z["zone"]), ([], []))
            xs.append(s["op"])
            ys.append(z[key])
    return out


def _title(doc):
    return "%s (%s)" % (os.path.basename(doc.get("workload", "?")), doc.get("malloc", "libmm"))


def plot_fragmentation(doc, path):
    """Unusable index per order against operations, a panel per zone."""
    zones = _zones(doc)
    if not zones:
        return None
    series = _series(doc, "unusable_index")
    fig, axes = plt.subplots(len(zones), 1, figsize=(9, 2.6 * len(zones)), sharex=True,
                             squeeze=False)
    cmap = plt.get_cmap("viridis")
    for ax, key in zip(axes[:, 0], zones):
        xs, ys = series[key]
        orders = len(ys[0])
        for o in range(orders):
            ax.plot(xs, [y[o] for y in ys], color=cmap(o / max(1, orders - 1)),
                    label="order %d" % o, linewidth=1.2)
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel("unusable index")
        ax.set_title("node %d %s" % key, fontsize=9, loc="left")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7, ncol=6, loc="upper left", bbox_to_anchor=(0, 1.45))
    axes[-1, 0].set_xlabel("operations replayed")
    fig.suptitle("fragmentation: " + _title(doc), y=0.995, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_compaction(doc, path):
    """Compaction's counters over the replay (None when nothing compacted)."""
    tl = [s for s in doc.get("timeline", []) if "compaction" in s]
    if not tl or not any(tl[-1]["compaction"].values()):
        return None
    xs = [s["op"] for s in tl]
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
    for key in ("pgmigrate_success", "pgmigrate_fail"):
        a1.plot(xs, [s["compaction"].get(key, 0) for s in tl], label=key)
    for key in ("compact_migrate_scanned", "compact_free_scanned"):
        a1.plot(xs, [s["compaction"].get(key, 0) for s in tl], label=key, linestyle="--")
    a1.set_yscale("symlog")
    a1.set_ylabel("pages (cumulative)")
    a1.legend(fontsize=7)
    a1.grid(alpha=0.3)
    for key in ("compact_stall", "compact_success"):
        a2.plot(xs, [s["compaction"].get(key, 0) for s in tl], label=key)
    a2.set_ylabel("direct compaction")
    a2.set_xlabel("operations replayed")
    a2.legend(fontsize=7)
    a2.grid(alpha=0.3)
    fig.suptitle("compaction: " + _title(doc), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_buddyinfo(doc, path):
    """Free blocks per order over time, a heat map per zone."""
    zones = _zones(doc)
    if not zones:
        return None
    series = _series(doc, "buddyinfo")
    fig, axes = plt.subplots(len(zones), 1, figsize=(9, 2.2 * len(zones)), sharex=True,
                             squeeze=False)
    for ax, key in zip(axes[:, 0], zones):
        xs, ys = series[key]
        orders = len(ys[0])
        grid = [[math.log10(1 + ys[t][o]) for t in range(len(xs))] for o in range(orders)]
        im = ax.imshow(grid, aspect="auto", origin="lower", cmap="magma",
                       extent=(xs[0], xs[-1] if xs[-1] > xs[0] else xs[0] + 1, -0.5,
                               orders - 0.5), interpolation="nearest")
        ax.set_ylabel("order")
        ax.set_yticks(range(0, orders, 2 if orders > 6 else 1))
        ax.set_title("node %d %s" % key, fontsize=9, loc="left")
        cb = fig.colorbar(im, ax=ax, pad=0.01)
        cb.set_label("log10(1 + free blocks)", fontsize=7)
    axes[-1, 0].set_xlabel("operations replayed")
    fig.suptitle("buddyinfo: " + _title(doc), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_latency_cdf(docs, path, ops=None):
    """Latency CDF per allocator, a panel per operation kind."""
    if ops is None:
        common = None
        for d in docs:
            kinds = {k for k, v in d["ops"].items() if v.get("ns_cdf")}
            common = kinds if common is None else common & kinds
        order = ["kmalloc", "kfree", "krealloc", "cache_alloc", "cache_free", "alloc_pages",
                 "free_pages", "vmalloc", "vfree"]
        ops = [k for k in order if k in (common or ())]
    if not ops:
        return None
    cols = min(3, len(ops))
    rows = (len(ops) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for i, op in enumerate(ops):
        ax = axes[i // cols][i % cols]
        for d in docs:
            pts = d["ops"][op]["ns_cdf"]
            xs = [max(p[0], 1.0) for p in pts]
            ax.step(xs, [p[1] for p in pts], where="post", label=d.get("malloc", "?"))
        ax.set_xscale("log")
        ax.set_xlabel("ns")
        ax.set_ylim(0, 1.01)
        ax.set_title(op, fontsize=9)
        ax.grid(alpha=0.3)
    for j in range(len(ops), rows * cols):
        axes[j // cols][j % cols].axis("off")
    axes[0][0].set_ylabel("fraction of operations")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("latency CDF: " + os.path.basename(docs[0].get("workload", "?")), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_memory(docs, path):
    """RSS of each allocator against live requested bytes over the replay;
    libmm's pages in use, in slabs and on per-CPU lists below."""
    docs = [d for d in docs if d.get("timeline")]
    if not docs:
        return None
    mib = 1 / (1 << 20)
    libmm = [d for d in docs if d.get("backend") == "libmm" and "slab_pages" in d["timeline"][0]]
    fig, axes = plt.subplots(2 if libmm else 1, 1, figsize=(9, 6.4 if libmm else 3.4),
                             sharex=True, squeeze=False)
    ax = axes[0, 0]
    first = docs[0]["timeline"]
    ax.plot([s["op"] for s in first], [s["live_bytes"] * mib for s in first], "k--",
            label="requested bytes live")
    for d in docs:
        tl = d["timeline"]
        ax.plot([s["op"] for s in tl], [s["host_rss_kib"] / 1024 for s in tl],
                label="RSS " + d.get("malloc", "?"))
    ax.set_ylabel("MiB")
    ax.set_title("process resident memory (libmm: simulated RAM populated + its metadata)",
                 fontsize=9, loc="left")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    if libmm:
        d = libmm[0]
        managed = sum(z["managed"] for z in d.get("zones", []))
        page = 4096 * mib
        tl = d["timeline"]
        xs = [s["op"] for s in tl]
        ax = axes[1, 0]
        ax.plot(xs, [s["live_bytes"] * mib for s in tl], "k--", label="requested bytes live")
        ax.plot(xs, [(managed - sum(z["free"] for z in s["zones"])) * page for s in tl],
                label="pages in use (managed - free)")
        ax.plot(xs, [s["slab_pages"] * page for s in tl], label="slab pages")
        ax.plot(xs, [s["pcp_pages"] * page for s in tl], label="pages on per-CPU lists")
        ax.set_ylabel("MiB")
        ax.set_title("libmm: where the machine's memory is", fontsize=9, loc="left")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[-1, 0].set_xlabel("operations replayed")
    fig.suptitle("memory: " + os.path.basename(docs[0].get("workload", "?")), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m libmm.plot",
                                 description="plots of mmbench JSON results")
    ap.add_argument("results", nargs="+")
    ap.add_argument("-o", "--outdir", default=".")
    ap.add_argument("--name", help="file name prefix (default: the workload's name)")
    a = ap.parse_args(argv)
    docs = []
    for p in a.results:
        with open(p) as f:
            docs.append(json.load(f))
    name = a.name or os.path.basename(docs[0].get("workload", "mmbench")).split(".")[0]
    os.makedirs(a.outdir, exist_ok=True)
    written = []
    libmm_docs = [d for d in docs if d.get("timeline") and d.get("backend", "libmm") == "libmm"]
    for i, d in enumerate(libmm_docs):
        suffix = "" if i == 0 else "_%d" % i
        written.append(plot_fragmentation(d, os.path.join(a.outdir, "%s%s_fragmentation.png"
                                                          % (name, suffix))))
        written.append(plot_buddyinfo(d, os.path.join(a.outdir, "%s%s_buddyinfo.png"
                                                      % (name, suffix))))
        written.append(plot_compaction(d, os.path.join(a.outdir, "%s%s_compaction.png"
                                                       % (name, suffix))))
    if len(docs) > 1:
        written.append(plot_latency_cdf(docs, os.path.join(a.outdir,
                                                           "%s_latency_cdf.png" % name)))
    written.append(plot_memory(docs, os.path.join(a.outdir, "%s_memory.png" % name)))
    for w in written:
        if w:
            print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
