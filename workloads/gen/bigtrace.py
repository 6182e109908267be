#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bigtrace.py - a long synthetic glibc mtrace, for replaying traces of any length.

    /usr/bin/python3 workloads/gen/bigtrace.py --events 50000000 | zstd -1 -q -o /tmp/big.mtrace.zst
    /usr/bin/python3 workloads/gen/bigtrace.py --events 1000000 -o small.mtrace

Not checked in (a 50M-event trace is ~1 GB of text, ~150 MB zstd): the
benchmark (bench/bigtrace.sh) makes it when it is missing.  Deterministic:
the same --events and --seed give the same bytes.

The program it pretends to be keeps `--live` objects alive in random slots
(each step frees whatever a slot held and allocates into it, so lifetimes
are geometric with that mean), while most steps (80%) work on 256 hot
slots: most objects die young, as in real programs.  One step in ten turns
its free + malloc into a realloc.  Sizes: 70% small (8 B .. 512 B), 29.5% medium (512 B ..
16 KiB), 0.5% large (16 KiB .. 256 KiB), log-uniform within each class
(~1.7 KB on average: ~80 MB live).
Addresses are unique (a bump pointer), lines fixed-width:
    + 0x55d0c0000010 0x000040      malloc
    - 0x55d0c0000010               free
    < 0x55d0c0000010               realloc: the old block ...
    > 0x55d0c0000020 0x000080      ... and the new one
Written in vectorised chunks (numpy), ~20 M events/s.
"""
import argparse
import sys

import numpy as np

HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
BASE = 0x55D0C0000000


def hex_columns(values, width):
    """uint64 values -> (n, width) array of ASCII hex digits, zero-padded."""
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64) * np.uint64(4)
    return HEX[(values[:, None] >> shifts[None, :]) & np.uint64(15)]


def lines(prefix, addr, size=None):
    """(n, L) byte array of fixed-width lines."""
    n = len(addr)
    parts = [np.frombuffer(prefix, dtype=np.uint8)[None, :].repeat(n, 0), hex_columns(addr, 12)]
    if size is not None:
        parts += [np.frombuffer(b" 0x", dtype=np.uint8)[None, :].repeat(n, 0),
                  hex_columns(size, 6)]
    parts.append(np.full((n, 1), ord("\n"), dtype=np.uint8))
    return np.concatenate(parts, axis=1)


def sizes(rng, n):
    cls = rng.random(n)
    lo = np.where(cls < 0.70, 3.0, np.where(cls < 0.995, 9.0, 14.0))
    hi = np.where(cls < 0.70, 9.0, np.where(cls < 0.995, 14.0, 18.0))
    return np.exp2(rng.uniform(lo, hi)).astype(np.uint64) | np.uint64(1)


def generate(out, events, seed=1, live=50000, hot=256, hot_share=0.8, chunk=1 << 20):
    rng = np.random.default_rng(seed)
    last = np.full(live + hot, -1, dtype=np.int64)     # step that filled each slot
    out.write(b"= Start\n")
    step, written = 0, 0
    while written < events:
        n = chunk
        slot = np.where(rng.random(n) < hot_share, live + rng.integers(0, hot, n),
                        rng.integers(0, live, n))
        t = step + np.arange(n, dtype=np.int64)
        # the step that last filled each position's slot: within the chunk the
        # previous position with that slot, else what `last` recorded
        order = np.lexsort((t, slot))
        s_sorted, t_sorted = slot[order], t[order]
        prev_sorted = np.empty(n, dtype=np.int64)
        first = np.ones(n, dtype=bool)
        first[1:] = s_sorted[1:] != s_sorted[:-1]
        prev_sorted[~first] = t_sorted[np.nonzero(~first)[0] - 1]
        prev_sorted[first] = last[s_sorted[first]]
        prev = np.empty(n, dtype=np.int64)
        prev[order] = prev_sorted
        ends = np.ones(n, dtype=bool)
        ends[:-1] = s_sorted[:-1] != s_sorted[1:]
        last[s_sorted[ends]] = t_sorted[ends]

        addr = np.uint64(BASE) + t.astype(np.uint64) * np.uint64(16)
        size = sizes(rng, n)
        has_prev = prev >= 0
        paddr = np.uint64(BASE) + np.where(has_prev, prev, 0).astype(np.uint64) * np.uint64(16)
        realloc = has_prev & (rng.random(n) < 0.1)
        free_l = lines(b"- 0x", paddr)                   # 17 bytes
        old_l = lines(b"< 0x", paddr)
        new_l = lines(b"+ 0x", addr, size)               # 26 bytes
        re_l = lines(b"> 0x", addr, size)
        first_l = np.where(realloc[:, None], old_l, free_l)
        second_l = np.where(realloc[:, None], re_l, new_l)
        # per step: [first line if it frees] + second line, in step order
        width = first_l.shape[1] + second_l.shape[1]
        both = np.concatenate([first_l, second_l], axis=1)
        keep = np.ones((n, width), dtype=bool)
        keep[~has_prev, :first_l.shape[1]] = False
        nev = has_prev.astype(np.int64) + 1
        if written + int(nev.sum()) > events:           # stop at exactly `events`
            cum = np.cumsum(nev) + written
            m = int(np.searchsorted(cum, events, side="left")) + 1
            both, keep, nev = both[:m], keep[:m], nev[:m]
            if cum[m - 1] > events:                     # drop the last alloc, keep its free
                keep[m - 1, first_l.shape[1]:] = False
                nev[m - 1] -= 1
        out.write(both[keep].tobytes())
        written += int(nev.sum())
        step += n
    out.write(b"= End\n")
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=50_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--live", type=int, default=50000, help="objects kept alive (mean lifetime)")
    ap.add_argument("-o", "--output", help="file (default: stdout)")
    a = ap.parse_args()
    out = open(a.output, "wb") if a.output else sys.stdout.buffer
    n = generate(out, a.events, a.seed, a.live)
    out.flush()
    print("bigtrace: %d events" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
