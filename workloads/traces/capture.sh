#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# workloads/traces/capture.sh - record a real allocation trace of a command
# for `mmbench run --format mtrace|perf`.
#
#   workloads/traces/capture.sh OUT.mtrace[.xz|.gz] -- CMD [ARGS...]
#       glibc mtrace of CMD's malloc/free/realloc: a preload shim
#       (mtrace_shim.c, built on the fly) calls mtrace() with glibc's
#       libc_malloc_debug.so preloaded; Python needs PYTHONMALLOC=malloc,
#       which the script sets.  Only CMD's own process is traced.
#   workloads/traces/capture.sh --perf OUT.perf[.xz|.gz] -- CMD [ARGS...]
#       the kernel's kmem: tracepoints while CMD runs (perf record -e 'kmem:*',
#       package linux-perf, needs root or perf_event_paranoid <= 1), written
#       as `perf script` text.
#
# OUT ending in .xz or .gz is compressed; mmbench reads it directly.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mode=mtrace
if [[ ${1:-} == --perf ]]; then mode=perf; shift; fi
if [[ $# -lt 3 || $2 != -- ]]; then
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
out=$1
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

compress() {            # compress $1 into $out according to its name
    case $out in
    *.xz) xz -9 -c "$1" > "$out" ;;
    *.gz) gzip -9 -n -c "$1" > "$out" ;;
    *) cp "$1" "$out" ;;
    esac
}

if [[ $mode == perf ]]; then
    perf record -q -e 'kmem:*' -o "$tmp/perf.data" -- "$@" > /dev/null
    perf script -i "$tmp/perf.data" > "$tmp/trace" 2> /dev/null
else
    debug=$(gcc -print-file-name=libc_malloc_debug.so.0)
    [[ -e $debug ]] || debug=$(ldconfig -p | awk '/libc_malloc_debug.so/ {print $NF; exit}')
    if [[ ! -e $debug ]]; then
        echo "capture.sh: glibc's libc_malloc_debug.so not found" >&2
        exit 1
    fi
    gcc -O2 -shared -fPIC -o "$tmp/shim.so" "$here/mtrace_shim.c"
    MALLOC_TRACE="$tmp/trace" PYTHONMALLOC=malloc LD_PRELOAD="$debug $tmp/shim.so" "$@" > /dev/null
fi
compress "$tmp/trace"
echo "capture.sh: $(wc -l < "$tmp/trace") lines -> $out ($(stat -c %s "$out") bytes)" >&2
