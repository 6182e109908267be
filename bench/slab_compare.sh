#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/slab_compare.sh - the parts of the slab benchmark (issue 4) that cannot
# run inside bench_slab itself:
#   1. jemalloc and tcmalloc through LD_PRELOAD: `bench_slab malloc` times plain
#      malloc/free on the same 64 B pair and random-size sequences;
#   2. instructions per 64 B pair and per random-pattern operation (callgrind,
#      N vs 2N, so setup cancels out), hardening on and off.
# Then one side-by-side table with bench_slab's own results
# ($MM_RESULTS/bench_slab.json); everything into $MM_RESULTS/slab_compare.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/bin/bench_slab
res=${MM_RESULTS:-build/results}
out=$res/slab_compare.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lib=/usr/lib/x86_64-linux-gnu

[ -f "$res/bench_slab.json" ] || "$bin" > /dev/null

preload() {    # name library -> JSON line or "null"
	if [ -f "$2" ]; then
		LD_PRELOAD="$2" "$bin" malloc
	else
		echo null
	fi
}
je=$(preload jemalloc "$lib/libjemalloc.so.2")
tc=$(preload tcmalloc "$lib/libtcmalloc_minimal.so.4")

count() {      # mode n -> instructions
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$bin" count "$1" "$2" 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per() {        # mode n -> instructions per unit
	local a b
	a=$(count "$1" "$2")
	b=$(count "$1" $((2 * $2)))
	echo $(( (b - a) / $2 ))
}
ir_json=null
if command -v valgrind > /dev/null; then
	ir_json=$(printf '{"slab": %d, "slab_nohard": %d, "slab_sheaves": %d, "kmalloc": %d, "kmalloc_sheaves": %d, "glibc": %d, "mimalloc": %d, "random_op": %d, "random_op_sheaves": %d, "random_op_sheaves64": %d, "random_op_mimalloc": %d}' \
		"$(per slab 100000)" "$(per slab_nohard 100000)" "$(per slab_sheaves 100000)" \
		"$(per kmalloc 100000)" "$(per kmalloc_sheaves 100000)" \
		"$(per glibc 100000)" "$(per mimalloc 100000)" "$(per random 200000)" \
		"$(per random_sheaves 200000)" "$(per random_sheaves64 200000)" \
		"$(per random_mimalloc 200000)")
fi

PRELOAD_JE="$je" PRELOAD_TC="$tc" IR="$ir_json" OUT="$out" "${PYTHON:-/usr/bin/python3}" - <<'PY'
import json, os
r = json.load(open(os.environ.get("MM_RESULTS", "build/results") + "/bench_slab.json"))
je, tc = json.loads(os.environ["PRELOAD_JE"]), json.loads(os.environ["PRELOAD_TC"])
ir = json.loads(os.environ["IR"])
pair = dict(r["pair64_ns"])
rnd = dict(r["random_ns_per_op"])
for name, v in (("jemalloc", je), ("tcmalloc", tc)):
    if v:
        pair[name] = v["pair64_ns"]
        rnd[name] = v["random_ns_per_op"]
print("64 B alloc+free pair, ns (one object live; jemalloc/tcmalloc via LD_PRELOAD):")
for k, v in sorted(pair.items(), key=lambda kv: kv[1]):
    print("  %-12s %6.2f%s" % (k, v, "   %d instructions" % ir[k] if ir and k in ir else ""))
print("  libmm slab / mimalloc = %.2f, / glibc = %.2f; hardening costs %+.2f ns"
      % (pair["slab"] / pair["mimalloc"], pair["slab"] / pair["glibc"],
         pair["slab"] - pair["slab_nohard"]))
print("  with sheaves (%s): / mimalloc = %.2f, / glibc = %.2f"
      % (r["configs"]["sheaves"], pair["slab_sheaves"] / pair["mimalloc"],
         pair["slab_sheaves"] / pair["glibc"]))
b = r["bulk_ns_per_obj"]
for pre, name in (("", "classic"), ("sheaves_", "sheaves")):
    print("bulk (%s), ns per object: 16 -> %.2f (single calls %.2f); 64 -> %.2f (single %.2f)"
          % (name, b[pre + "bulk16"], b[pre + "single16"], b[pre + "bulk64"],
             b[pre + "single64"]))
print("random kmalloc 8..1024 B, 1000 live, random free order, ns per operation:")
for k, v in sorted(rnd.items(), key=lambda kv: kv[1]):
    print("  %-12s %6.2f" % (k, v))
best = min(rnd.values())
print("  libmm / fastest = %.2f; sheaves %.2f; sheaves >= 64 objects (%s) %.2f"
      % (rnd["libmm"] / best, rnd["libmm_sheaves"] / best, r["configs"]["sheaves64"],
         rnd["libmm_sheaves64"] / best))
if ir:
    print("instructions per random-pattern op: libmm %d, sheaves %d, sheaves >= 64 %d, "
          "mimalloc %d" % (ir["random_op"], ir["random_op_sheaves"], ir["random_op_sheaves64"],
                           ir["random_op_mimalloc"]))
w = r["waste"]
print("waste (mixed kmalloc 8..4096 B, slabinfo): 40000 live: requested %d KiB, ksize %d KiB, "
      "slab pages %d KiB" % (w["full_requested"] >> 10, w["full_ksize"] >> 10,
                             w["full_slab_bytes"] >> 10))
print("  after freeing a random half (%d live): requested %d KiB, ksize %d KiB, slab pages %d KiB"
      % (w["objects"], w["requested"] >> 10, w["ksize"] >> 10, w["slab_bytes"] >> 10))
r.update({"bench": "slab_compare", "pair64_ns": pair, "random_ns_per_op": rnd,
          "instructions": ir, "preload": {"jemalloc": je, "tcmalloc": tc}})
json.dump(r, open(os.environ["OUT"], "w"), indent=1)
PY
