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
  NAME_timeline.png       per zone free pages against min/low/high, free
                          pages per migratetype, slab and per-CPU list
                          pages, mixed pageblocks and free 2 MiB blocks
  NAME_pageblocks.png     the pageblock map at the end: a cell per pageblock
                          coloured by migratetype (paler = freer), hatched
                          when mixed, numbered with the call site that
                          polluted it (page_owner=1)
  NAME_compaction.png     pages migrated and scanned by compaction, and direct
                          compaction stalls, over the replay (when any)
With two or more results (e.g. libmm and malloc backends on one workload):
  NAME_latency_cdf.png    latency CDF per allocator (the results' "malloc"
                          field: libmm, glibc, jemalloc, ...) for each
                          operation kind they share
  NAME_memory.png         memory over the replay: each allocator's resident
                          set (RSS) against the requested bytes live; for
                          libmm, pages in use, in slabs and on per-CPU lists
With two or more libmm results (e.g. one trace under two configs):
  NAME_overlay.png        every run in one figure: free memory, the unusable
                          index at the pageblock order (all zones pooled) and
                          the requested bytes live over the replay
Every run is named by --label (one per result, in order), else by the
result's own label (mmbench run --label), else by how its machine config
differs from the others' (e.g. "pcp=off"); the names go in legends and
titles.
NAME defaults to the first result's workload file name.  matplotlib with the
Agg backend: no display needed.  The functions plot_fragmentation,
plot_buddyinfo, plot_latency_cdf, plot_memory and plot_overlay take loaded
JSON (dicts), a path and optional names; labels(docs) names runs; ZONE_ORDER
is the order zones are drawn in.
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

#: the order zones are drawn in (kernel order)
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


def _words(doc):
    """How a result was set up: its machine config's KEY=VALUE words and the
    run's own options, as {key: value}."""
    words = {}
    for w in (doc.get("machine_config") or "").split():
        k, _, v = w.partition("=")
        words[k] = v
    words["backend"] = doc.get("malloc", "libmm") if doc.get("backend") == "malloc" else "libmm"
    words["threads"] = "on" if doc.get("threads") else "off"
    words["tick"] = str(doc.get("tick_every", 0))
    words["workload"] = os.path.basename(doc.get("workload", "?"))
    return words


def labels(docs, given=None):
    """One name per result: given[i] when set, else the result's own
    "label", else the KEY=VALUE words in which its setup differs from the
    others' ("KEY=default" for a key others set and it lacks; only the
    allocator's name when the backends differ), as `mmbench diff` heads its
    columns."""
    words = [_words(d) for d in docs]
    if len({w["backend"] for w in words}) > 1:
        # allocators side by side: their names say it (a malloc run has no machine)
        words = [{"backend": w["backend"]} for w in words]
    keys = []
    for w in words:
        keys += [k for k in w if k not in keys]
    out = []
    for i, d in enumerate(docs):
        if given and i < len(given) and given[i]:
            out.append(given[i])
            continue
        if d.get("label"):
            out.append(d["label"])
            continue
        diff = ["%s=%s" % (k, words[i].get(k, "default")) for k in keys
                if len({w.get(k) for w in words}) > 1]
        out.append(" ".join(diff) or ("run %d" % (i + 1) if len(docs) > 1
                                      else d.get("malloc", "libmm")))
    return out


def _title(doc, label=None):
    return "%s (%s)" % (os.path.basename(doc.get("workload", "?")),
                        label or labels([doc])[0])


def _workload(docs):
    return os.path.basename(docs[0].get("workload", "?"))


def _finish(fig, axes, title, path):
    """A timeline figure's x label, title and file."""
    axes[-1, 0].set_xlabel("operations replayed")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_fragmentation(doc, path, label=None):
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
    fig.suptitle("fragmentation: " + _title(doc, label), y=0.995, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_compaction(doc, path, label=None):
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
    fig.suptitle("compaction: " + _title(doc, label), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_buddyinfo(doc, path, label=None):
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
    fig.suptitle("buddyinfo: " + _title(doc, label), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_latency_cdf(docs, path, ops=None, names=None):
    """Latency CDF per run (names: labels()), a panel per operation kind."""
    names = labels(docs, names)
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
        for d, name in zip(docs, names):
            pts = d["ops"][op]["ns_cdf"]
            xs = [max(p[0], 1.0) for p in pts]
            ax.step(xs, [p[1] for p in pts], where="post", label=name)
        ax.set_xscale("log")
        ax.set_xlabel("ns")
        ax.set_ylim(0, 1.01)
        ax.set_title(op, fontsize=9)
        ax.grid(alpha=0.3)
    for j in range(len(ops), rows * cols):
        axes[j // cols][j % cols].axis("off")
    axes[0][0].set_ylabel("fraction of operations")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("latency CDF: %s - %s" % (os.path.basename(docs[0].get("workload", "?")),
                                            " vs ".join(names)), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_memory(docs, path, names=None):
    """RSS of each allocator against live requested bytes over the replay;
    libmm's pages in use, in slabs and on per-CPU lists below."""
    names = labels(docs, names)
    keep = [i for i, d in enumerate(docs) if d.get("timeline")]
    docs, names = [docs[i] for i in keep], [names[i] for i in keep]
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
    for d, name in zip(docs, names):
        tl = d["timeline"]
        ax.plot([s["op"] for s in tl], [s["host_rss_kib"] / 1024 for s in tl],
                label="RSS " + name)
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
        ax.set_title("libmm (%s): where the machine's memory is" % names[docs.index(d)],
                     fontsize=9, loc="left")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _finish(fig, axes, "memory: %s - %s" % (_workload(docs), " vs ".join(names)), path)


def plot_timeline(doc, path, label=None):
    """The replay's timeline: per zone free pages against the min, low and
    high watermarks; free pages per migratetype (zones pooled); slab and
    per-CPU list pages; mixed pageblocks and free 2 MiB blocks."""
    tl = doc.get("timeline") or []
    if not tl or "mixed_pageblocks" not in tl[0] or "min" not in tl[0]["zones"][0]:
        return None
    zones = _zones(doc)
    xs = [s["op"] for s in tl]
    fig, axes = plt.subplots(len(zones) + 3, 1, figsize=(9, 2.2 * (len(zones) + 3)),
                             sharex=True, squeeze=False)
    for ax, key in zip(axes[:, 0], zones):
        rows = [next(z for z in s["zones"] if (z["node"], z["zone"]) == key) for s in tl]
        ax.plot(xs, [z["free"] for z in rows], color="black", label="free")
        for wm, style in (("min", ":"), ("low", "--"), ("high", "-.")):
            ax.plot(xs, [z[wm] for z in rows], style, color="#d62728", label=wm)
        ax.set_ylabel("pages")
        ax.set_title("node %d %s: free against the watermarks" % key, fontsize=9, loc="left")
    ax = axes[len(zones), 0]
    mts = [t for t in ("Unmovable", "Movable", "Reclaimable", "HighAtomic")
           if any(z["free_mt"][t] for s in tl for z in s["zones"])]
    if mts:
        ax.stackplot(xs, [[sum(z["free_mt"][t] for z in s["zones"]) for s in tl] for t in mts],
                     labels=mts, colors=[MT_COLOURS[t[0]] for t in mts], alpha=0.7)
    ax.set_ylabel("pages")
    ax.set_title("free pages per migratetype (all zones)", fontsize=9, loc="left")
    ax = axes[len(zones) + 1, 0]
    ax.plot(xs, [s["slab_pages"] for s in tl], label="slab pages")
    ax.plot(xs, [s["pcp_pages"] for s in tl], label="pages on per-CPU lists")
    ax.set_ylabel("pages")
    ax.set_title("slab and per-CPU list pages", fontsize=9, loc="left")
    ax = axes[len(zones) + 2, 0]
    ax.plot(xs, [s["mixed_pageblocks"] for s in tl], color="#8c564b", label="mixed pageblocks")
    ax.plot(xs, [s["free_2m"] for s in tl], color="#17becf", label="free 2 MiB blocks")
    ax.set_ylabel("pageblocks")
    ax.set_title("mixed pageblocks and free huge-page-sized blocks", fontsize=9, loc="left")
    for a in axes[:, 0]:
        a.grid(alpha=0.3)
        a.legend(fontsize=7, loc="upper right")
    return _finish(fig, axes, "timeline: " + _title(doc, label), path)


#: the pageblock map's colour per migratetype letter (the census map's letters)
MT_COLOURS = {"U": "#d62728", "M": "#2ca02c", "R": "#1f77b4", "H": "#9467bd", "C": "#ff7f0e",
              "I": "#7f7f7f"}
#: the migratetype each census map letter stands for
MT_NAMES = {"U": "Unmovable", "M": "Movable", "R": "Reclaimable", "H": "HighAtomic",
            "C": "CMA", "I": "Isolate"}


def plot_pageblock_map(doc, path, label=None):
    """The pageblock map of a result's census: one cell per pageblock in PFN
    order, coloured by its migratetype (paler the more of it is free),
    hatched when mixed (it holds an allocation of another migratetype), and
    numbered with its polluter - the call site with the most unmovable or
    reclaimable pages in a mixed block, what compaction cannot move out
    (page_owner=1) - listed below the map."""
    from matplotlib.patches import Patch, Rectangle
    census = doc.get("census")
    if not census or not census.get("map", {}).get("type"):
        return None
    mp = census["map"]
    n = len(mp["type"])
    per = 1 << census["pageblock_order"]
    cols = 32 if n > 64 else 16 if n > 16 else 8
    rows = (n + cols - 1) // cols
    sites = census.get("sites", [])
    shown = sites[:12]
    fig_h = 1.2 + rows * 0.32 + 0.22 * len(shown)
    fig, ax = plt.subplots(figsize=(10, fig_h))
    for i in range(n):
        r, c = divmod(i, cols)
        t = mp["type"][i]
        free = mp["free"][i] / per
        rect = Rectangle((c, rows - 1 - r), 0.94, 0.94, facecolor=MT_COLOURS.get(t, "#000"),
                         alpha=0.25 + 0.75 * (1 - free), edgecolor="black", linewidth=0.3,
                         hatch="////" if mp["mixed"][i] == "1" else None)
        ax.add_patch(rect)
        p = mp["polluter"][i]
        if p >= 0:
            ax.text(c + 0.47, rows - 1 - r + 0.47, str(p), ha="center", va="center",
                    fontsize=6 if cols > 16 else 8, color="black")
    ax.set_xlim(0, cols)
    ax.set_ylim(0, rows)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    pfn0 = mp["pfn"][0] if mp.get("pfn") else 0
    ax.set_xlabel("pageblocks in PFN order from pfn %#x, %d per row (2^%d pages each)"
                  % (pfn0, cols, census["pageblock_order"]), fontsize=8)
    handles = [Patch(facecolor=MT_COLOURS[k], label=MT_NAMES[k]) for k in "UMRHCI"
               if k in mp["type"]]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch="////", label="mixed"))
    ax.legend(handles=handles, fontsize=7, ncol=len(handles), loc="lower left",
              bbox_to_anchor=(0, 1.0), frameon=False)
    s = census["summary"]
    mixed = sum(s["mixed"].values())
    title = "pageblocks: %s - %d blocks, %d mixed, %d free 2 MiB" % (
        _title(doc, label), n, mixed, s["free_2m"])
    fig.suptitle(title, fontsize=9)
    if shown:
        text = "\n".join("%d: %s (%d mixed blocks)" % (i, x["name"], x["mixed_pageblocks"])
                         for i, x in enumerate(shown))
        fig.text(0.01, 0.01, "polluters (the call site with the most unmovable pages of a "
                 "mixed block):\n" + text, fontsize=7, va="bottom", family="monospace")
        fig.subplots_adjust(bottom=(0.3 + 0.22 * len(shown)) / fig_h, top=1 - 0.75 / fig_h)
    else:
        fig.subplots_adjust(top=1 - 0.75 / fig_h)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _pooled_unusable(sample, order):
    """The unusable index at order over every zone of a timeline sample
    (their buddyinfo summed)."""
    nr = None
    for z in sample["zones"]:
        nr = list(z["buddyinfo"]) if nr is None else [a + b for a, b in zip(nr, z["buddyinfo"])]
    if not nr:
        return 1.0
    pages = sum(n << o for o, n in enumerate(nr))
    if not pages:
        return 1.0
    suitable = sum(n << (o - order) for o, n in enumerate(nr) if o >= order)
    return (pages - (suitable << order)) / pages


def plot_overlay(docs, path, names=None):
    """Every libmm run in one figure: free memory, the unusable index at the
    pageblock order and the requested bytes live, over operations."""
    names = labels(docs, names)
    keep = [i for i, d in enumerate(docs)
            if d.get("timeline") and d.get("backend", "libmm") == "libmm"]
    if len(keep) < 2:
        return None
    docs, names = [docs[i] for i in keep], [names[i] for i in keep]
    mib = 4096 / (1 << 20)
    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True, squeeze=False)
    order = docs[0].get("machine", {}).get("pageblock_order", 9)
    for d, name in zip(docs, names):
        tl = d["timeline"]
        xs = [s["op"] for s in tl]
        axes[0, 0].plot(xs, [sum(z["free"] for z in s["zones"]) * mib for s in tl], label=name)
        axes[1, 0].plot(xs, [_pooled_unusable(s, order) for s in tl], label=name)
        axes[2, 0].plot(xs, [s["live_bytes"] / (1 << 20) for s in tl], label=name)
    axes[0, 0].set_ylabel("free MiB")
    axes[0, 0].set_title("free memory (all zones; pages on per-CPU lists not counted)",
                         fontsize=9, loc="left")
    axes[1, 0].set_ylabel("unusable index")
    axes[1, 0].set_ylim(-0.02, 1.02)
    axes[1, 0].set_title("unusable free space index at order %d (pageblock), zones pooled"
                         % order, fontsize=9, loc="left")
    axes[2, 0].set_ylabel("MiB")
    axes[2, 0].set_title("requested bytes live", fontsize=9, loc="left")
    for ax in axes[:, 0]:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _finish(fig, axes, "%s - %s" % (_workload(docs), " vs ".join(names)), path)


def main(argv=None):
    """The command line: python3 -m libmm.plot RESULT.json ... (argv: its
    arguments); prints the files written, returns the exit status."""
    ap = argparse.ArgumentParser(prog="python3 -m libmm.plot",
                                 description="plots of mmbench JSON results")
    ap.add_argument("results", nargs="+")
    ap.add_argument("-o", "--outdir", default=".")
    ap.add_argument("--name", help="file name prefix (default: the workload's name)")
    ap.add_argument("--label", action="append", default=[],
                    help="a result's name in legends and titles (once per result, in order; "
                    "default: its own label, else how its config differs)")
    a = ap.parse_args(argv)
    docs = []
    for p in a.results:
        with open(p) as f:
            docs.append(json.load(f))
    name = a.name or os.path.basename(docs[0].get("workload", "mmbench")).split(".")[0]
    os.makedirs(a.outdir, exist_ok=True)
    written = []
    names = labels(docs, a.label)
    libmm_docs = [i for i, d in enumerate(docs)
                  if d.get("timeline") and d.get("backend", "libmm") == "libmm"]
    for n, i in enumerate(libmm_docs):
        suffix = "" if n == 0 else "_%d" % n
        written.append(plot_fragmentation(docs[i], os.path.join(
            a.outdir, "%s%s_fragmentation.png" % (name, suffix)), names[i]))
        written.append(plot_buddyinfo(docs[i], os.path.join(
            a.outdir, "%s%s_buddyinfo.png" % (name, suffix)), names[i]))
        written.append(plot_pageblock_map(docs[i], os.path.join(
            a.outdir, "%s%s_pageblocks.png" % (name, suffix)), names[i]))
        written.append(plot_timeline(docs[i], os.path.join(
            a.outdir, "%s%s_timeline.png" % (name, suffix)), names[i]))
        written.append(plot_compaction(docs[i], os.path.join(
            a.outdir, "%s%s_compaction.png" % (name, suffix)), names[i]))
    if len(docs) > 1:
        written.append(plot_latency_cdf(docs, os.path.join(a.outdir,
                                                           "%s_latency_cdf.png" % name),
                                        names=names))
        written.append(plot_overlay(docs, os.path.join(a.outdir, "%s_overlay.png" % name),
                                    names))
    written.append(plot_memory(docs, os.path.join(a.outdir, "%s_memory.png" % name), names))
    for w in written:
        if w:
            print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
