#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""schemas/gen.py - writes the JSON Schema files of libmm's JSON formats
(draft 2020-12), every field with its meaning:

    libmm-report-1.schema.json   mm_report_json() / Machine.report()
                                 ("schema": "libmm-report/1")
    mmbench-1.schema.json        mmbench run --json ("schema": "mmbench/1")
    mmbench-diff-1.schema.json   mmbench diff --json ("schema": "mmbench-diff/1")

The files are generated so that the report's definitions appear once and
mmbench's embeds them; pytests/test_schemas.py checks that the files match
this script and validates real outputs against them (python3-jsonschema).
Objects allow members not listed (later versions add members; a shape that
changes bumps the version number).  Run: python3 schemas/gen.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
MIGRATETYPES = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"]
OPS = ["alloc_pages", "free_pages", "kmalloc", "krealloc", "kfree", "cache_create",
       "cache_alloc", "cache_free", "cache_destroy", "vmalloc", "vfree", "fault", "unmap", "pin",
       "unpin", "compact", "cma_alloc", "cma_release", "contig_alloc", "contig_free"]


def integer(desc, minimum=0):
    d = {"type": "integer", "description": desc}
    if minimum is not None:
        d["minimum"] = minimum
    return d


def number(desc):
    return {"type": "number", "description": desc}


def string(desc, **kw):
    return dict({"type": "string", "description": desc}, **kw)


def boolean(desc):
    return {"type": "boolean", "description": desc}


def array(items, desc):
    return {"type": "array", "items": items, "description": desc}


def obj(props, desc, required=None):
    return {"type": "object", "description": desc, "properties": props,
            "required": list(props) if required is None else required}


def per_mt(item, desc):
    return obj({t: item for t in MIGRATETYPES}, desc)


ZONE = obj({
    "node": integer("NUMA node"),
    "zone": string("zone, config spelling", enum=["DMA", "DMA32", "NORMAL", "MOVABLE"]),
    "name": string("zone, kernel spelling (DMA, DMA32, Normal, Movable)"),
    "start_pfn": integer("first page frame"),
    "spanned": integer("page frames spanned"),
    "present": integer("page frames present"),
    "managed": integer("pages the buddy allocator manages"),
    "free": integer("NR_FREE_PAGES (pages on per-CPU lists not counted)"),
    "watermarks": obj({"min": integer("WMARK_MIN, pages"), "low": integer("WMARK_LOW"),
                       "high": integer("WMARK_HIGH"), "boost": integer("watermark_boost")},
                      "the zone's watermarks"),
    "nr_reserved_highatomic": integer("pages reserved as HighAtomic pageblocks"),
    "lowmem_reserve": array(integer("pages"), "lowmem_reserve[] against each higher zone"),
    "buddyinfo": array(integer("free blocks"), "/proc/buddyinfo: free blocks per order"),
    "pagetypeinfo": per_mt(array(integer("free blocks"), "per order"),
                           "/proc/pagetypeinfo: free blocks per migratetype and order"),
    "pageblocks": per_mt(integer("pageblocks"), "pageblocks of each migratetype"),
    "mixed_pageblocks": per_mt(integer("pageblocks"),
                               "pageblocks holding an allocation of another migratetype "
                               "(pagetypeinfo's page_owner section)"),
    "unusable_index": array(number("0..1"), "debugfs unusable_index per order"),
    "extfrag_index": array(number("-1 or 0..1"), "debugfs extfrag_index per order"),
}, "one zone", required=["node", "zone", "name", "managed", "free", "watermarks", "buddyinfo",
                         "unusable_index"])

SITE = obj({"name": string("the tag: 'file:line func:name', or a site name with ' func:'"),
            "bytes": integer("bytes live", None), "calls": integer("allocations live", None)},
           "an allocation tag (/proc/allocinfo line)")

CENSUS = obj({
    "pageblock_order": integer("log2 of pages per pageblock"),
    "pageblocks": integer("pageblocks present"),
    "summary": obj({
        "pageblocks": per_mt(integer("pageblocks"), "pageblocks per migratetype"),
        "mixed": per_mt(integer("pageblocks"), "mixed pageblocks per migratetype"),
        "pages": obj({k: integer("pages") for k in
                      ("free", "unmovable", "movable", "reclaimable", "slab", "vmalloc")},
                     "what the pageblocks hold: free (buddy and per-CPU lists), allocated by "
                     "the migratetype asked for, slab and vmalloc pages"),
        "free_2m": integer("free pageblock-sized (2 MiB) blocks"),
        "free_1g": integer("fully free 1 GiB-aligned ranges"),
    }, "totals"),
    "sites": array(obj({"name": string("call site tag"),
                        "mixed_pageblocks": integer("blocks it polluted")},
                       "a polluter"),
                   "page_owner=1: the call sites with the most unmovable or reclaimable "
                   "pages in some mixed pageblock, most blocks first (the map's polluter "
                   "indices)"),
    "map": obj({
        "pfn": array(integer("pfn"), "first page frame of each pageblock"),
        "type": string("one letter per pageblock: U M R H C I (its migratetype)"),
        "mixed": string("one character per pageblock: 1 mixed, 0 not"),
        "free": array(integer("pages"), "free pages per pageblock"),
        "unmovable": array(integer("pages"), "unmovable allocated pages per pageblock"),
        "movable": array(integer("pages"), "movable allocated pages per pageblock"),
        "reclaimable": array(integer("pages"), "reclaimable allocated pages per pageblock"),
        "slab": array(integer("pages"), "slab pages per pageblock"),
        "vmalloc": array(integer("pages"), "vmalloc pages per pageblock"),
        "polluter": array(integer("index into sites, -1 none", -1),
                          "the pageblock's polluter"),
    }, "one entry per pageblock, PFN order"),
}, "the pageblock census", required=["pageblock_order", "pageblocks", "summary", "map"])

REPORT_PROPS = {
    "config": string("the machine's canonical config string"),
    "machine": obj({
        "cpus": integer("CPUs"), "nodes": integer("NUMA nodes"),
        "nr_pages": integer("page frames"), "max_page_order": integer("MAX_PAGE_ORDER"),
        "pageblock_order": integer("pageblock order"),
        "min_free_kbytes": integer("vm.min_free_kbytes"),
        "totalreserve_pages": integer("totalreserve_pages"),
        "backing": string("memfd or none"), "pcp": boolean("per-CPU lists on"),
    }, "the machine's layout", required=["cpus", "nodes", "nr_pages", "max_page_order"]),
    "zones": array(ZONE, "every zone of every node (empty ones included)"),
    "pcp": array(obj({"cpu": integer("CPU"), "node": integer("node"), "zone": string("zone"),
                      "count": integer("pages on the lists"), "high": integer("high mark"),
                      "batch": integer("batch")}, "one CPU's lists of one zone"),
                 "per-CPU page lists"),
    "vmalloc": {"type": ["object", "null"], "description": "the vmalloc range's state"},
    "slab": array(obj({"name": string("cache"), "active_objs": integer("objects in use"),
                       "num_objs": integer("objects"), "objsize": integer("slot bytes"),
                       "objperslab": integer("objects per slab"),
                       "pagesperslab": integer("pages per slab"),
                       "active_slabs": integer("slabs in use"), "num_slabs": integer("slabs")},
                      "a /proc/slabinfo row with SLUB statistics",
                      required=["name", "active_objs", "num_objs", "objsize"]),
                  "slab caches"),
    "vmstat": {"type": "object", "description": "/proc/vmstat counters by their kernel names",
               "additionalProperties": {"type": "integer"}},
    "sites": array(SITE, "page_owner=1: allocation tags holding memory, most bytes first "
                   "(at most 200)"),
    "census": CENSUS,
    "tainted": integer("/proc/sys/kernel/tainted"),
}

REPORT = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "libmm-report-1.schema.json",
    "title": "libmm report (mm_report_json, Machine.report)",
    "type": "object",
    "properties": dict({"schema": {"const": "libmm-report/1"}}, **REPORT_PROPS),
    "required": ["schema", "config", "machine", "zones", "pcp", "slab", "vmstat", "census",
                 "tainted"],
}

STAT = {
    "count": integer("operations"), "failed": integer("failures (NULL, refused frees)"),
    "injected": integer("failures fault injection forced (not in failed)"),
    "skipped": integer("frees of handles whose allocation failed"),
    "ns_mean": number("mean latency, ns"), "ns_p50": number("median latency, ns"),
    "ns_p99": number("99th percentile, ns"),
}
OP = obj(dict(STAT, ns_p90=number("90th percentile"), ns_p999=number("99.9th percentile"),
              ns_cdf=array(array(number("ns or fraction"), "[ns, fraction <= ns]"),
                           "latency CDF points")), "one operation kind")
ROW_STAT = {k: v for k, v in STAT.items() if k != "skipped"}
FREE_STAT = {"free_count": integer("frees"), "free_failed": integer("refused frees"),
             "free_injected": integer("always 0"), "ns_free_p50": number("free median, ns"),
             "ns_free_p99": number("free 99th percentile"), "ns_free_mean": number("free mean")}
BREAKDOWN = {"oneOf": [{"type": "null", "description": "--threads or the malloc backend"}, obj({
    "page_ops": array(obj(dict({
        "key": string("'order=N GFP migratetype'"), "order": integer("order"),
        "gfp": string("the GFP flags, the kernel's %pGg text"),
        "migratetype": string("the migratetype the flags ask for", enum=MIGRATETYPES[:3]),
        "cross_cpu_frees": integer("frees on another CPU than the allocation"),
    }, **ROW_STAT, **FREE_STAT), "alloc_pages of one order and GFP"),
        "by order, then GFP"),
    "slab_ops": array(obj(dict({
        "name": string("cache (a kmalloc: its kmalloc cache; kmalloc-large above)"),
        "bytes_req": integer("bytes requested (the tracepoints' bytes_req)"),
        "bytes_alloc": integer("bytes allocated: slot sizes (bytes_alloc)"),
        "frag_pct": number("100 * (1 - bytes_req / bytes_alloc)"),
        "cross_cpu_frees": integer("frees on another CPU (perf kmem's ping-pong)"),
    }, **ROW_STAT, **FREE_STAT), "slab allocations of one cache"),
        "most bytes allocated first"),
    "failures": {"type": "object", "description": "failed allocations per operation by reason",
                 "additionalProperties": obj({r: integer(d) for r, d in (
                     ("watermark", "a block of the order was free: the watermark refused"),
                     ("no_block", "no free block of the order where it may look"),
                     ("injected", "fault injection"),
                     ("refused", "a bad request (EINVAL)"))}, "reasons")},
    "cross_cpu": {"type": "object", "description": "per free operation",
                  "additionalProperties": obj({"frees": integer("frees"),
                                               "cross_cpu": integer("on another CPU")},
                                              "frees")},
}, "the sequential libmm replay broken down")]}

ZSAMPLE = obj({
    "node": integer("node"), "zone": string("zone"), "free": integer("NR_FREE_PAGES"),
    "min": integer("min watermark"), "low": integer("low watermark"),
    "high": integer("high watermark"),
    "free_mt": per_mt(integer("pages"), "free pages per migratetype"),
    "buddyinfo": array(integer("blocks"), "free blocks per order"),
    "unusable_index": array(number("0..1"), "per order"),
}, "a zone at the sample", required=["node", "zone", "free", "buddyinfo", "unusable_index"])

SAMPLE = obj({
    "op": integer("operations done"), "t_s": number("replay seconds before it"),
    "live_bytes": integer("requested bytes live"), "host_rss_kib": integer("process RSS"),
    "slab_pages": integer("libmm: slab pages"), "pcp_pages": integer("libmm: per-CPU list pages"),
    "mixed_pageblocks": integer("libmm: mixed pageblocks"),
    "free_2m": integer("libmm: free pageblock-sized blocks"),
    "zones": array(ZSAMPLE, "libmm's zones"),
}, "a timeline point", required=["op", "t_s", "live_bytes", "host_rss_kib", "zones"])

MMBENCH_PROPS = {
    "schema": {"const": "mmbench/1"},
    "workload": string("the input file (- = stdin)"),
    "label": {"type": ["string", "null"], "description": "--label"},
    "format": string("mmw, mtrace or perf", enum=["mmw", "mtrace", "perf"]),
    "backend": string("libmm or malloc", enum=["libmm", "malloc"]),
    "malloc": string("libmm, glibc or the preloaded allocator"),
    "variant": string("build variant"), "git": string("git revision"),
    "seed": integer("the machine's seed"), "threads": boolean("--threads"),
    "tick_every": integer("--tick"),
    "machine_config": {"type": ["string", "null"], "description": "the machine (null: malloc)"},
    "input": obj({"codec": string("text, xz, gzip, zstd"),
                  "streamed": boolean("the input did not fit the buffer")}, "the input"),
    "elapsed_s": number("whole run"), "parse_s": number("reading and parsing"),
    "replay_s": number("replaying (mean over --runs)"),
    "lines": integer("input lines"), "ops_total": integer("operations counted"),
    "ops": {"type": "object", "description": "per operation kind (only those that ran)",
            "propertyNames": {"enum": OPS}, "additionalProperties": OP},
    "runs": {"type": "object", "description": "--runs/--warmup: every run's figures"},
    "fault_inject": {"type": "object", "description": "per facility its knobs and injected"},
    "breakdown": BREAKDOWN,
    "import": obj({k: integer(d) for k, d in (
        ("events", "trace events replayed"), ("skipped_free", "frees of older objects"),
        ("null_free", "NULL frees"), ("batched_dup", "mm_page_free_batched repeats"),
        ("ignored", "other events"), ("failed_realloc", "mtrace ! lines"),
        ("caches", "caches made"))}, "importer statistics"),
    "memory": {"type": "object", "description": "requested bytes live, libmm's page peaks, RSS"},
    "host": {"type": "object", "description": "host page faults, RSS, prefault costs"},
    "validate": {"type": ["string", "null"], "description": "--validate: ok or the breakage"},
    "timeline": array(SAMPLE, "periodic samples at exact operation counts"),
    "report_schema": {"const": "libmm-report/1"},
}
MMBENCH_PROPS.update({k: v for k, v in REPORT_PROPS.items() if k != "machine"})
MMBENCH_PROPS["machine"] = {"oneOf": [REPORT_PROPS["machine"],
                                      {"type": "null", "description": "the malloc backend"}]}

MMBENCH = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "mmbench-1.schema.json",
    "title": "mmbench run --json result",
    "type": "object",
    "properties": MMBENCH_PROPS,
    "required": ["schema", "workload", "label", "format", "backend", "machine_config",
                 "elapsed_s", "parse_s", "replay_s", "ops", "breakdown", "import", "memory",
                 "host", "timeline", "machine"],
    "if": {"properties": {"backend": {"const": "libmm"}}},
    "then": {"required": ["report_schema", "zones", "pcp", "slab", "vmstat", "census"]},
}

DIFF = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "mmbench-diff-1.schema.json",
    "title": "mmbench diff --json",
    "type": "object",
    "properties": {
        "schema": {"const": "mmbench-diff/1"},
        "runs": array(obj({"file": string("result file"),
                           "heading": string("its --label, else how its config differs"),
                           "machine_config": string("its machine")}, "a result"),
                      "the results, the base first", ),
        "rows": array(obj({
            "section": string("ops, failures, page_ops, slab_ops, cross_cpu, sites, memory, "
                              "census, zones, slab or vmstat"),
            "path": string("the value's path inside the section"),
            "values": array({"type": ["number", "null"]}, "per result (null: absent)"),
            "change": array({"type": ["number", "null"]}, "each later result minus the base"),
        }, "one compared value"), "values that differ, and every op's count, failures and "
            "latencies"),
    },
    "required": ["schema", "runs", "rows"],
}


def main():
    for name, doc in (("libmm-report-1", REPORT), ("mmbench-1", MMBENCH),
                      ("mmbench-diff-1", DIFF)):
        with open(os.path.join(HERE, name + ".schema.json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
