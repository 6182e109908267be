#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/callgrind_page_alloc.sh - instructions per alloc+free pair (callgrind),
# a noise-free second opinion next to the timings of bench_page_alloc: each
# mode runs N and 2N pairs and the difference is divided by N, so setup
# cancels out.  Output: $MM_RESULTS/callgrind_page_alloc.json and a table.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/bin/bench_page_alloc
N=100000
out=${MM_RESULTS:-build/results}/callgrind_page_alloc.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() {   # mode pairs -> instructions
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$bin" count "$1" "$2" 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
echo "instructions per alloc+free pair (callgrind, ${N} vs $((2 * N)) pairs)"
printf '{"schema": "libmm-bench/1", "bench": "callgrind_page_alloc", "instructions_per_pair": {' > "$out"
sep=
for mode in pcp buddy0 buddy3 buddy9 mimalloc; do
	a=$(count "$mode" "$N")
	b=$(count "$mode" $((2 * N)))
	per=$(( (b - a) / N ))
	printf '  %-9s %5d\n' "$mode" "$per"
	printf '%s"%s": %d' "$sep" "$mode" "$per" >> "$out"
	sep=', '
done
echo '}}' >> "$out"
