#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""mmwgen - deterministic synthetic workloads for mmbench (the .mmw language).

A workload is described by a spec (JSON, see workloads/gen/specs/*.json):

    {
      "name": "page_cache_churn",
      "comment": "what kernel behaviour it models (becomes the file's opening comment)",
      "machine": "cpus=4 NORMAL=768M",      # the machine line (optional)
      "seed": 1,                            # RNG seed: same spec + seed = same file
      "cpus": {"weights": [4, 1, 1, 1],     # which CPU allocates (weights per CPU)
               "remote_free": 0.2},         # chance a free runs on another CPU
      "caches": [{"name": "dentry", "size": 192, "align": 8,
                  "flags": "SLAB_RECLAIM_ACCOUNT"}],   # created first, destroyed last
      "phases": [                           # run one after the other
        {"steps": 20000,                    # allocation events in this phase
         "streams": [                       # each event picks a stream by weight
           {"weight": 8, "op": "alloc_pages", "order": DIST, "gfp": "GFP_HIGHUSER_MOVABLE",
            "lifetime": DIST},
           {"weight": 1, "op": "kmalloc", "size": DIST, "gfp": "GFP_KERNEL", "lifetime": DIST},
           {"weight": 1, "op": "cache_alloc", "cache": "dentry", "lifetime": DIST},
           {"weight": 1, "op": "vmalloc", "size": DIST, "lifetime": DIST},
           {"weight": 1, "group": [ITEM, ...], "lifetime": DIST}   # allocated and freed
         ],                                                        # together (a process)
         "cpus": {...},                     # optional per-phase CPU mix
         "free_at_end": 0.8}                # then free this fraction of what is live
      ],                                    # (a shrinker; 1.0 = everything)
      "drain": true                         # free everything still live at the end
    }

DIST is a number (constant) or one of
    {"dist": "choice", "values": [...], "weights": [...]}
    {"dist": "uniform", "min": a, "max": b}            integers, inclusive
    {"dist": "loguniform", "min": a, "max": b}         sizes spread over magnitudes
    {"dist": "exp", "mean": m}                         lifetimes: memoryless
    {"dist": "forever"}                                never freed (until drain / free_at_end)
Lifetimes count allocation events: an object with lifetime 100 is freed just
before the 100th allocation after it.  So a workload is a size distribution x
a lifetime distribution x a CPU mix, per stream and phase.

Usage: mmwgen.py SPEC.json [-o OUT.mmw]   (stdout by default)
The random numbers come from splitmix64, not Python's random module, so the
output is the same on every Python version.
"""
import argparse
import heapq
import json
import math
import sys

MASK = (1 << 64) - 1


class Rng:
    """splitmix64: small, fast and stable across platforms."""

    def __init__(self, seed):
        self.state = (seed * 0x9E3779B97F4A7C15 + 1) & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def random(self):
        return (self.next() >> 11) / float(1 << 53)

    def below(self, n):
        return self.next() % n

    def pick(self, weights):
        total = sum(weights)
        x = self.random() * total
        for i, w in enumerate(weights):
            x -= w
            if x < 0:
                return i
        return len(weights) - 1


FOREVER = None


def draw(rng, d):
    """One value of distribution d (None = forever)."""
    if isinstance(d, (int, float)):
        return int(d)
    kind = d["dist"]
    if kind == "choice":
        return int(d["values"][rng.pick(d.get("weights", [1] * len(d["values"])))])
    if kind == "uniform":
        return d["min"] + rng.below(d["max"] - d["min"] + 1)
    if kind == "loguniform":
        lo, hi = math.log(d["min"]), math.log(d["max"])
        return int(round(math.exp(lo + (hi - lo) * rng.random())))
    if kind == "exp":
        return max(1, int(-math.log(1.0 - rng.random()) * d["mean"]))
    if kind == "forever":
        return FOREVER
    raise ValueError("unknown distribution %r" % kind)


FREE_OP = {"alloc_pages": "free_pages", "kmalloc": "kfree", "cache_alloc": "cache_free",
           "vmalloc": "vfree"}
PREFIX = {"alloc_pages": "p", "kmalloc": "k", "cache_alloc": "c", "vmalloc": "v"}


class Gen:
    def __init__(self, spec):
        self.spec = spec
        self.rng = Rng(spec.get("seed", 1))
        self.out = []
        self.cpu = 0
        self.free_ids = {p: [] for p in PREFIX.values()}
        self.next_id = {p: 0 for p in PREFIX.values()}
        self.live = {}          # object token -> (handle, free line, cpu it was allocated on)
        self.tokens = 0
        self.heap = []          # (due step, seq, object tokens)
        self.seq = 0
        self.step = 0
        self.cpus = spec.get("cpus", {"weights": [1]})

    def emit(self, line, cpu):
        if cpu != self.cpu:
            self.out.append("cpu %d" % cpu)
            self.cpu = cpu
        self.out.append(line)

    def handle(self, prefix):
        ids = self.free_ids[prefix]
        if ids:
            n = heapq.heappop(ids)
        else:
            n = self.next_id[prefix]
            self.next_id[prefix] += 1
        return "%s%d" % (prefix, n)

    def release(self, h):
        heapq.heappush(self.free_ids[h[0]], int(h[1:]))

    def free_cpu(self, alloc_cpu):
        weights = self.cpus["weights"]
        if len(weights) > 1 and self.rng.random() < self.cpus.get("remote_free", 0.0):
            other = self.rng.below(len(weights) - 1)
            return other if other < alloc_cpu else other + 1
        return alloc_cpu

    def free(self, tok):
        h, line, cpu = self.live.pop(tok)
        self.emit(line, self.free_cpu(cpu))
        self.release(h)

    def alloc_item(self, item, cpu):
        op = item["op"]
        h = self.handle(PREFIX[op])
        gfp = (" " + item["gfp"]) if item.get("gfp") else ""
        if op == "alloc_pages":
            self.emit("alloc_pages %s %d%s" % (h, draw(self.rng, item["order"]), gfp), cpu)
        elif op == "kmalloc":
            self.emit("kmalloc %s %d%s" % (h, draw(self.rng, item["size"]), gfp), cpu)
        elif op == "cache_alloc":
            self.emit("cache_alloc %s %s%s" % (h, item["cache"], gfp), cpu)
        elif op == "vmalloc":
            self.emit("vmalloc %s %d" % (h, draw(self.rng, item["size"])), cpu)
        else:
            raise ValueError("unknown op %r" % op)
        self.tokens += 1
        self.live[self.tokens] = (h, "%s %s" % (FREE_OP[op], h), cpu)
        return self.tokens

    def event(self, stream):
        cpu = self.rng.pick(self.cpus["weights"])
        items = stream["group"] if "group" in stream else [stream]
        hs = []
        for item in items:
            for _ in range(draw(self.rng, item.get("count", 1))):
                hs.append(self.alloc_item(item, cpu))
        life = draw(self.rng, stream.get("lifetime", {"dist": "forever"}))
        if life is not FOREVER:
            self.seq += 1
            heapq.heappush(self.heap, (self.step + life, self.seq, hs))

    def due(self):
        while self.heap and self.heap[0][0] <= self.step:
            _, _, hs = heapq.heappop(self.heap)
            for h in reversed(hs):
                if h in self.live:
                    self.free(h)

    def free_fraction(self, frac):
        chosen = [t for t in sorted(self.live) if self.rng.random() < frac]
        for t in chosen:
            self.free(t)

    def run(self):
        spec = self.spec
        for line in spec["comment"].strip().splitlines():
            self.out.append(("# " + line).rstrip())
        self.out.append("# generated by workloads/gen/mmwgen.py from workloads/gen/specs/%s.json"
                        % spec["name"])
        if spec.get("machine"):
            self.out.append("machine " + spec["machine"])
        for c in spec.get("caches", []):
            extra = ""
            if c.get("align"):
                extra += " %d" % c["align"]
            if c.get("flags"):
                extra += " " + c["flags"]
            self.out.append("cache_create %s %d%s" % (c["name"], c["size"], extra))
        for phase in spec["phases"]:
            self.cpus = phase.get("cpus", spec.get("cpus", {"weights": [1]}))
            if phase.get("comment"):
                self.out.append("# phase: " + phase["comment"])
            weights = [s.get("weight", 1) for s in phase["streams"]]
            for _ in range(phase["steps"]):
                self.due()
                self.event(phase["streams"][self.rng.pick(weights)])
                self.step += 1
            if phase.get("free_at_end"):
                self.free_fraction(phase["free_at_end"])
        if spec.get("drain", True):
            self.heap.sort()
            for _, _, hs in self.heap:
                for h in reversed(hs):
                    if h in self.live:
                        self.free(h)
            self.heap = []
            for t in sorted(self.live):
                self.free(t)
            if spec.get("caches"):
                for c in spec["caches"]:
                    self.out.append("cache_destroy %s" % c["name"])
        return "\n".join(self.out) + "\n"


def generate(spec):
    """The .mmw text of a spec (dict)."""
    return Gen(spec).run()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("spec")
    ap.add_argument("-o", "--output")
    a = ap.parse_args(argv)
    with open(a.spec) as f:
        text = generate(json.load(f))
    if a.output:
        with open(a.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
