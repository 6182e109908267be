# SPDX-License-Identifier: GPL-2.0-only
"""Summary plots of a sweep table: every metric against every grid key.

One figure per (metric, grid key), ``METRIC_vs_KEY.png``: a panel per
workload; along x the key's values in the order the grid gave them; one line
per combination of the other grid keys; each point is the mean over the
seeds and runs of that cell, with an error bar of one standard deviation
(none with a single sample).  Failed points are left out (their count is in
the panel title when there are any).  matplotlib with the Agg backend.
DEFAULT_METRICS are the columns plotted when none are asked for.
"""
import itertools
import math
import os
import re

DEFAULT_METRICS = ("replay_s", "failed_total", "unusable_index")


def _cell_stats(df, metric):
    values = df[metric].astype(float).dropna()
    if values.empty:
        return math.nan, 0.0
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0


def _select(df, key, value):
    return df[df[key].astype(str) == str(value)]


def _panel(ax, df, metric, key, grid):
    """One workload's rows: metric against key, a line per combination of
    the other grid keys' values."""
    values = grid[key]
    others = [k for k in grid if k != key]
    x = list(range(len(values)))
    combos = list(itertools.product(*(grid[k] for k in others)))
    for i, combo in enumerate(combos):
        dodge = (i - (len(combos) - 1) / 2) * 0.04     # error bars side by side
        sub = df
        for k, v in zip(others, combo):
            sub = _select(sub, k, v)
        if sub.empty:
            continue
        stats = [_cell_stats(_select(sub, key, v), metric) for v in values]
        label = ", ".join("%s=%s" % kv for kv in zip(others, combo)) or None
        ax.errorbar([v + dodge for v in x], [s[0] for s in stats], yerr=[s[1] for s in stats], marker="o",
                    capsize=3, label=label)
    ax.set_xticks(x)
    ax.set_xticklabels(values)
    ax.set_xlabel(key)
    ax.set_ylabel(metric)
    ax.grid(True, alpha=0.3)
    if others:
        ax.legend(fontsize=7)


def summary_plots(df, grid, outdir, metrics=DEFAULT_METRICS):
    """Writes METRIC_vs_KEY.png for each metric and grid key; returns the paths.

    df: the sweep table; grid: {key: [values]} in grid order."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(outdir, exist_ok=True)
    ok = df[df["status"] == "ok"]
    workloads = list(dict.fromkeys(df["workload"]))
    written = []
    for metric in metrics:
        if metric not in ok.columns or ok[metric].dropna().empty:
            continue
        for key in grid:
            ncols = min(3, len(workloads))
            nrows = math.ceil(len(workloads) / ncols)
            fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.6 * nrows),
                                     squeeze=False)
            for ax, w in zip(axes.flat, workloads):
                _panel(ax, ok[ok["workload"] == w], metric, key, grid)
                failed = int((df[df["workload"] == w]["status"] != "ok").sum())
                ax.set_title(os.path.basename(w) + (" (%d failed)" % failed if failed else ""),
                             fontsize=9)
            for ax in list(axes.flat)[len(workloads):]:
                ax.set_visible(False)
            fig.suptitle("%s vs %s (mean and sd over seeds x runs)" % (metric, key))
            fig.tight_layout()
            name = re.sub(r"[^\w.-]", "_", "%s_vs_%s" % (metric, key)) + ".png"
            path = os.path.join(outdir, name)
            fig.savefig(path, dpi=90)
            plt.close(fig)
            written.append(path)
    return written
