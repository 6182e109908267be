#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/boot.sh - whole-process boot of a machine, timed by hyperfine:
# `mmbench info` (create, print layout and buddyinfo, destroy) for the default
# machine and for a 64 GiB backing=none machine.  Exports
# $MM_RESULTS/hyperfine_boot.json; the in-process figures (mm_create alone,
# resident memory) are in $MM_RESULTS/bench_page_alloc.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mmbench=build/release/bin/mmbench
hyperfine -N --warmup 3 --runs 30 --style basic --export-json "${MM_RESULTS:-build/results}/hyperfine_boot.json" \
	-n "default machine" "$mmbench info" \
	-n "64 GiB backing=none" "$mmbench info --machine 'backing=none DMA=16M DMA32=4080M NORMAL=60G'"
